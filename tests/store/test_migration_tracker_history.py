"""Migration 0008 (tracker history): adds epics and projects with target dates, item links
and non-status changes to a database that already holds work items, keeps those items (their
new parent and due date empty), stores the new rows, and goes back down without loss."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import inspect, select

from store.db import alembic_config, current_revision, make_engine, session_factory, upgrade
from store.models import DeliveryTarget, WorkItem, WorkItemChange, WorkItemLink

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
NEW_TABLES = {"work_item_changes", "work_item_links", "delivery_targets"}


def test_0008_adds_tracker_history_and_goes_back(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0007_goals")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO work_items (source, external_id, key, project, title, labels, status,"
            " status_category, created_at, updated_at) VALUES ('jira', '10001', 'PAY-1', 'PAY',"
            " 'a story', '[]', 'To Do', 'new', '2026-11-02 09:00:00.000000',"
            " '2026-11-02 09:00:00.000000')"
        )
    assert not NEW_TABLES & set(inspect(engine).get_table_names())
    upgrade(engine, "0008_tracker_history")
    assert current_revision(engine) == "0008_tracker_history"
    with session_factory(engine)() as s:
        item = s.scalars(select(WorkItem)).one()
        assert (item.key, item.parent_key, item.due_on) == ("PAY-1", None, None)
        item.parent_key, item.due_on = "PAY-0", date(2027, 1, 15)
        s.add_all(
            [
                DeliveryTarget(
                    source="jira",
                    external_id="10000",
                    key="PAY-0",
                    kind="epic",
                    name="Checkout v2",
                    team_slug="team-a",
                    target_on=date(2027, 1, 31),
                    status_category="indeterminate",
                    created_at=T0,
                    updated_at=T0,
                ),
                WorkItemChange(
                    source="jira", item_external_id="10001", at=T0, field="parent", value="PAY-0"
                ),
                WorkItemLink(source="jira", item_key="OPS-7", other_key="PAY-1", kind="blocks"),
            ]
        )
        s.commit()
        target = s.scalars(select(DeliveryTarget)).one()
        assert (target.target_on, target.resolved_at) == (date(2027, 1, 31), None)
        assert s.scalars(select(WorkItem.parent_key)).one() == "PAY-0"
    command.downgrade(alembic_config(engine), "0007_goals")
    assert not NEW_TABLES & set(inspect(engine).get_table_names())
    columns = {c["name"] for c in inspect(engine).get_columns("work_items")}
    assert not {"parent_key", "due_on"} & columns
    with engine.connect() as conn:  # the work item itself survives the way down
        assert conn.exec_driver_sql("SELECT key FROM work_items").scalar_one() == "PAY-1"
    engine.dispose()
