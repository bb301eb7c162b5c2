"""The catalog CSV import the admin starts, run in the background with progress the admin
polls (market/import_progress.py)."""
from __future__ import annotations

from jobs.runner import job
from market import media
from market.audit import record
from market.catalog_import import FILES, ImportReport, as_dict, import_rows, read_csv
from market.db import db
from market.import_progress import progress, save_progress
from market.models import Staff


@job()
def run_import(import_id: str, files: list[list[str]], staff_id: int | None) -> str:
    """Load the stored CSV files in dependency order; one commit at the end."""
    state = progress(import_id) or {"total": 0}
    state.update(status="running", done=0)
    save_progress(import_id, state)
    order = {name: i for i, name in enumerate(FILES)}
    report = ImportReport()
    offset = 0
    staff = db.session.get(Staff, staff_id) if staff_id else None
    # Plain staff may not change vendors' plans, verification or phones through an import.
    admin = staff_id is None or (staff is not None and staff.role == "admin")
    try:
        for kind, key in sorted(files, key=lambda f: order[f[0]]):
            rows = read_csv(media.open(key).decode("utf-8-sig"))

            def tick(done: int, _total: int, base: int = offset, name: str = kind) -> None:
                state.update(done=base + done, file=name)
                save_progress(import_id, state)

            import_rows(db.session, kind, rows, report, tick, len(rows), admin=admin)
            offset += len(rows)
        record(db.session, staff, "catalog.import.done", ("import", import_id),
               {"summary": report.summary(), "errors": len(report.errors)})
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        state.update(status="failed", summary=f"the import stopped: {exc}")
        save_progress(import_id, state)
        raise
    state.update(status="done", done=state["total"], summary=report.summary(),
                 errors=report.errors, result=as_dict(report))
    save_progress(import_id, state)
    return report.summary()
