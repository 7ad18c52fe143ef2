"""The five legacy REST contracts, one router module each (two of them share
``/api/v1/bufdir-aggregations``); each projects the use cases' results into its documented shapes."""

from . import aggregated_report_data, bufdir_aggregations, report_records, report_sections, watch

# In routing order: a static path (…/watch) before the template (…/{snapshot_id}) that matches it too.
ROUTERS = (
    watch.router,
    report_sections.router,
    aggregated_report_data.router,
    bufdir_aggregations.router,
    report_records.router,
)
