"""Per-request dataloaders, named ``<Result>By<Key>Loader``.

A ``Loaders`` is created for each request (or each websocket event) inside the running loop and
never shared, so cached rows never cross requests or principals.
"""

from __future__ import annotations

from functools import cached_property

from ...models import (
    Activity,
    ActivityImport,
    AggregationJob,
    FieldDefinition,
    ReportRecord,
    Submission,
)
from .row_loaders import (
    LatestJobBySnapshotIdLoader,
    OrganizationByIdLoader,
    RowByIdLoader,
    ValueNotesByPeriodLoader,
)
from .row_loaders import PeriodByIdLoader as PeriodByIdLoader  # re-exported: patched as loaders.X by tests
from .row_loaders import SnapshotByIdLoader as SnapshotByIdLoader
from .row_loaders import latest_jobs as latest_jobs  # re-exported: called as loaders.latest_jobs
from .structure_loaders import (
    FieldDefinitionByIdLoader,
    FieldsBySectionLoader,
    SectionByIdLoader,
    SectionsInForceLoader,
    StructureInMemory,
)
from .value_loaders import VALUE_COLUMNS as VALUE_COLUMNS  # re-exported: imported from loaders
from .value_loaders import FieldValueRow as FieldValueRow
from .value_loaders import FieldValuesBySnapshotIdLoader
from .value_loaders import value_rows as value_rows


class Loaders:
    """The request's loaders, each made on first use: a read answered by one compiled statement
    (``schema.compiled``) uses none, and making all of them was 4 % of a dashboard's CPU (bench
    S11, py-spy)."""

    def __init__(self) -> None:
        self.known_definitions: dict[int, FieldDefinition] = {}
        self.translations: dict[str, object] = {}
        """One language's translated metadata by language, read once (``structure.translations.texts``)."""

    @cached_property
    def organization_by_id(self) -> OrganizationByIdLoader:
        return OrganizationByIdLoader()

    @cached_property
    def period_by_id(self) -> PeriodByIdLoader:
        return PeriodByIdLoader()

    @cached_property
    def section_by_id(self) -> SectionByIdLoader:
        return SectionByIdLoader()

    @cached_property
    def fields_by_section(self) -> FieldsBySectionLoader:
        return FieldsBySectionLoader()

    @cached_property
    def sections_in_force(self) -> SectionsInForceLoader:
        return SectionsInForceLoader()

    @cached_property
    def snapshot_by_id(self) -> SnapshotByIdLoader:
        return SnapshotByIdLoader()

    @cached_property
    def latest_job_by_snapshot(self) -> LatestJobBySnapshotIdLoader:
        return LatestJobBySnapshotIdLoader()

    @cached_property
    def activity_by_row_id(self) -> RowByIdLoader[Activity]:
        return RowByIdLoader(Activity)

    @cached_property
    def activity_import_by_id(self) -> RowByIdLoader[ActivityImport]:
        return RowByIdLoader(ActivityImport, leaving_out=("content",))

    @cached_property
    def aggregation_job_by_id(self) -> RowByIdLoader[AggregationJob]:
        return RowByIdLoader(AggregationJob)

    @cached_property
    def field_definition_or_none_by_id(self) -> RowByIdLoader[FieldDefinition]:
        return RowByIdLoader(FieldDefinition)

    @cached_property
    def report_record_by_id(self) -> RowByIdLoader[ReportRecord]:
        return RowByIdLoader(ReportRecord)

    @cached_property
    def submission_by_id(self) -> RowByIdLoader[Submission]:
        return RowByIdLoader(Submission)

    @cached_property
    def structure(self) -> StructureInMemory:
        return StructureInMemory()

    @cached_property
    def field_definition_by_id(self) -> FieldDefinitionByIdLoader:
        return FieldDefinitionByIdLoader(self.structure)

    @cached_property
    def field_values_by_snapshot(self) -> FieldValuesBySnapshotIdLoader:
        return FieldValuesBySnapshotIdLoader(self.field_definition_by_id, self.known_definitions)

    @cached_property
    def value_notes_by_period(self) -> ValueNotesByPeriodLoader:
        return ValueNotesByPeriodLoader()

    def forget_section(self, section_id: str) -> None:
        """After a structure write: drop what this request cached about the section."""
        self.section_by_id.clear(section_id)
        self.fields_by_section.clear_all()
        self.field_definition_by_id.clear_all()
        self.known_definitions.clear()
