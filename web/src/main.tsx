// Entry point: styles, the session check, then the app.
import { render } from 'preact';
import './styles.css';
import { App } from './ui/App';
import { loadSession } from './lib/session';

void loadSession();
render(<App />, document.getElementById('app')!);
