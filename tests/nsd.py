"""A real authoritative DNS server (nsd, from Debian) on loopback for tests.

start_nsd(directory, zones, probes) writes an nsd.conf for the zone files
already in `directory`, starts nsd on 127.0.0.1 on a free UDP+TCP port, waits
until every probe (name, type) answers, and returns (process, port, resolver)
where resolver is a dnspython Resolver pointed at it. Stop it with stop_nsd.
"""
import shutil
import subprocess
import time

from dns import resolver as dns_resolver

from conftest import free_dns_port

NSD = shutil.which("nsd") or "/usr/sbin/nsd"


def start_nsd(d, zones, probes):
    """zones: {zone name: zone file name in d}; probes: [(name, rrtype)]."""
    port = free_dns_port()
    zone_conf = "".join(f'zone:\n  name: "{name}"\n  zonefile: "{file}"\n'
                        for name, file in zones.items())
    conf = d / "nsd.conf"
    conf.write_text(f"""server:
  ip-address: 127.0.0.1
  port: {port}
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "{d}"
  database: ""
  zonelistfile: "{d}/zone.list"
  xfrdfile: "{d}/xfrd.state"
  xfrdir: "{d}"
  pidfile: "{d}/nsd.pid"
  logfile: "{d}/nsd.log"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
""" + zone_conf)
    proc = subprocess.Popen([NSD, "-d", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=open(d / "nsd.stderr", "wb"))
    res = dns_resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = port
    deadline = time.time() + 15
    while True:
        try:
            for name, rrtype in probes:
                res.resolve(name, rrtype, lifetime=1)
            return proc, port, res
        except Exception:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                log = d / "nsd.log"
                raise RuntimeError("nsd did not start: " + (d / "nsd.stderr").read_text() +
                                   (log.read_text() if log.exists() else ""))
            time.sleep(0.1)


def stop_nsd(proc):
    proc.terminate()
    proc.wait(timeout=10)
