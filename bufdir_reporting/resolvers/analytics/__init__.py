"""Analytics and export: stored figures across fields, organisations and periods (DHIS2's
analytics and data-value export, in Bufdir's words).

It reads stored values (the snapshots behind submissions, or current snapshots), never
activities, so it comes after ``reporting`` in the domain's flow:

- ``dimensions``: the fields, organisations and periods a selection names, read and checked;
- ``selection``: what is asked (fields or sections x organisations x periods, which values
  count) resolved into a plan, and who may read what of it;
- ``statements``: the SQL over stored values, one statement per chunk of fields;
- ``table``: the table with totals and peer statistics, and the time series;
- ``export``: the same selection streamed as JSON-stat 2.0, CSV for Norwegian Excel and DHIS2
  ``dataValueSets``.
"""
