"""Periods become Norwegian calendar days (BUFDIR_TIME_ZONE, Europe/Oslo) and times written
without an offset are read as Norwegian time; they were UTC days and UTC times before.

Nothing in the database changes: stored times are UTC instants, and nothing records whether one
was written with an offset, so no rule can tell which to move (most API clients send ``Z``,
which was read right). Periods are cut at local midnight from now on, so a snapshot's range
changes when it is aggregated again. Times imported from files written without an offset were
stored one hour (in summer two) late: importing those files again corrects them in place
(README, "Calendar").
"""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("bufdir", "0010_snapshot_legacy_id")]

    initial = False

    operations = []  # the change is in how new times are read and periods cut (above)
