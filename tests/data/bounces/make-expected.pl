#!/usr/bin/perl
# Writes expected.json: what the reference bounce parser (Sisimai 4.25.x, the
# Debian package libsisimai-perl) reports for every file of this corpus.
#
# Run once from this folder:  perl make-expected.pl > expected.json
# The output is committed, so the tests never need Perl. Regenerate it only
# on purpose (a new corpus file, a new reference version) and review the diff.
#
# Shape: { "<dir>/<file>": [ {recipient, deliverystatus, reason, smtpagent,
#          action, replycode}, ... ], ... }  -- an empty list when the
# reference does not take the file for a bounce (or a feedback report, or an
# auto-reply: those appear with reason "feedback" / "vacation").
use strict;
use warnings;
use FindBin;
use JSON::PP;
use Sisimai;

my $root = $FindBin::Bin;
my %out;
for my $dir (qw(bsd not)) {
  opendir(my $dh, "$root/$dir") or die "cannot open $dir: $!";
  for my $name (sort grep { /\.eml$/ } readdir $dh) {
    my $list = Sisimai->make("$root/$dir/$name") // [];
    $out{"$dir/$name"} = [
      map {
        {
          recipient      => $_->recipient->address // '',
          deliverystatus => $_->deliverystatus // '',
          reason         => $_->reason // '',
          smtpagent      => $_->smtpagent // '',
          action         => $_->action // '',
          replycode      => '' . ($_->replycode // ''),
        }
      } @$list
    ];
  }
  closedir $dh;
}
print JSON::PP->new->canonical->pretty->encode(\%out);
print STDERR "sisimai ", Sisimai->version, ": ", scalar(keys %out), " files\n";
