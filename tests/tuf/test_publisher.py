"""The publisher: uploads become signed targets, verifiable by python-tuf's own checks."""

from __future__ import annotations

import hashlib
import threading

import pytest
from tuf.api.metadata import Metadata, Root, Snapshot, Targets, Timestamp

from stockade.packaging import blobs
from stockade.tuf import store
from stockade.tuf.models import PendingChange, PublishedTarget
from stockade.tuf.services import load_state, publish_pending, refresh_expiring
from tests.distributions import Dist

pytestmark = pytest.mark.django_db(transaction=True)


def _signed_target(path: str):
    """Walk root -> timestamp -> snapshot -> targets -> bin, verifying each signature."""
    root = store.read_current_root()
    timestamp = store.read_timestamp()
    root.verify_delegate(Timestamp.type, timestamp)
    snapshot = store.read_snapshot(timestamp.signed.snapshot_meta.version)
    root.verify_delegate(Snapshot.type, snapshot)
    targets = store.read_targets(Targets.type, snapshot.signed.meta["targets.json"].version)
    root.verify_delegate(Targets.type, targets)
    succinct = targets.signed.delegations.succinct_roles
    name = succinct.get_role_for_target(path)
    bin_md = store.read_targets(name, snapshot.signed.meta[f"{name}.json"].version)
    targets.verify_delegate(name, bin_md)
    return bin_md.signed.targets.get(path)


def test_initialize_signs_an_empty_repository(repository) -> None:
    state = load_state()
    assert state.root.signed.consistent_snapshot
    assert state.root.signed.version == 1
    assert len(state.snapshot.signed.meta) == 17  # targets + 16 bins
    assert Metadata[Root].from_bytes(blobs.read_bytes("tuf/metadata/1.root.json"))


def test_upload_is_signed_with_its_pages(repository, owner_token, upload) -> None:
    dist = Dist("signed-pkg")
    response = upload(owner_token, dist)
    assert response.status_code == 200, response.content
    page = blobs.read_bytes("simple/signed-pkg/index.html")
    target = _signed_target("simple/signed-pkg/index.html")
    assert target is not None
    assert target.hashes["sha256"] == hashlib.sha256(page).hexdigest()
    assert blobs.read_bytes(f"simple/signed-pkg/{target.hashes['sha256']}.index.html") == page
    wheel = dist.wheel()
    (row,) = PublishedTarget.objects.filter(path__endswith=".whl")
    file_target = _signed_target(row.path)
    file_target.verify_length_and_hashes(wheel)
    assert _signed_target(row.path + ".metadata") is not None
    assert _signed_target("simple/index.json") is not None
    assert not PendingChange.objects.exists()


def test_pending_changes_are_batched_into_one_snapshot(repository) -> None:
    before = load_state().snapshot.signed.version
    PendingChange.objects.bulk_create([PendingChange(project=f"p{i}") for i in range(20)])
    result = publish_pending()
    assert result is not None and result.changes == 20
    assert load_state().snapshot.signed.version == before + 1


def test_refresh_resigns_roles_about_to_expire(repository) -> None:
    from datetime import UTC, datetime, timedelta

    assert refresh_expiring() is None
    later = datetime.now(UTC) + timedelta(hours=20)
    result = refresh_expiring(now=later)
    assert result is not None and result.bins == 16
    assert load_state().timestamp.signed.expires > later + timedelta(hours=20)


def test_removing_a_project_removes_its_targets(repository, owner, owner_token, upload) -> None:
    from stockade.audit.actors import actor_for_cli
    from stockade.packaging.services import remove_project

    assert upload(owner_token, Dist("short-lived")).status_code == 200
    assert _signed_target("simple/short-lived/index.html") is not None
    remove_project(actor=actor_for_cli(owner), project_name="short-lived")
    assert _signed_target("simple/short-lived/index.html") is None
    assert not PublishedTarget.objects.filter(project="short-lived").exists()
    index = blobs.read_bytes("simple/index.json")
    assert _signed_target("simple/index.json").hashes["sha256"] == hashlib.sha256(index).hexdigest()


def test_yanking_re_signs_the_pages(repository, owner, owner_token, upload) -> None:
    from stockade.audit.actors import actor_for_cli
    from stockade.packaging.services import set_release_yanked

    assert upload(owner_token, Dist("yankable")).status_code == 200
    before = _signed_target("simple/yankable/index.json").hashes["sha256"]
    set_release_yanked(
        actor=actor_for_cli(owner), project_name="yankable", version="1.0", yanked=True, reason="x"
    )
    after = _signed_target("simple/yankable/index.json")
    page = blobs.read_bytes("simple/yankable/index.json")
    assert after.hashes["sha256"] != before
    assert after.hashes["sha256"] == hashlib.sha256(page).hexdigest()


def test_a_busy_publisher_leaves_the_change_queued(repository) -> None:
    from django.db import connection

    from stockade.tuf.lock import publisher_lock

    taken, release = threading.Event(), threading.Event()

    def other_publisher() -> None:  # another thread: its own database connection
        try:
            with publisher_lock() as held:
                assert held
                taken.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_publisher)
    thread.start()
    try:
        assert taken.wait(timeout=30)
        PendingChange.objects.create(project="queued")
        assert publish_pending() is None  # the holder would pick it up
        assert PendingChange.objects.filter(project="queued").exists()
    finally:
        release.set()
        thread.join()
    assert publish_pending() is not None
    assert not PendingChange.objects.exists()


def test_nothing_is_signed_before_initialization(db, owner_token, upload) -> None:
    assert upload(owner_token, Dist("early")).status_code == 200
    assert not store.is_initialized()
    assert PendingChange.objects.filter(project="early").exists()


def test_a_request_past_its_budget_hands_the_rest_to_a_background_thread(repository) -> None:
    from stockade.tuf import services

    PendingChange.objects.bulk_create([PendingChange(project=f"bg{i}") for i in range(3)])
    services._continue_in_background()
    for thread in threading.enumerate():
        if thread.name == "tuf-publisher":
            thread.join(timeout=30)
    assert not PendingChange.objects.exists()


def test_bytes_written_to_storage_by_someone_else_are_never_signed(
    repository, owner_token, upload, settings
) -> None:
    settings.STOCKADE_TUF_PUBLISH_INLINE = False
    assert upload(owner_token, Dist("guarded")).status_code == 200
    rendered = blobs.read_bytes("simple/guarded/index.html")
    blobs.put_bytes("simple/guarded/index.html", b"<html>evil</html>")
    publish_pending()
    signed = _signed_target("simple/guarded/index.html")
    assert signed.hashes["sha256"] == hashlib.sha256(rendered).hexdigest()


def test_a_tampered_page_copy_keeps_the_previous_targets(
    repository, owner_token, upload, settings
) -> None:
    assert upload(owner_token, Dist("guarded2")).status_code == 200
    before = _signed_target("simple/guarded2/index.json").hashes["sha256"]
    settings.STOCKADE_TUF_PUBLISH_INLINE = False
    assert upload(owner_token, Dist("guarded2", version="2.0")).status_code == 200
    (change,) = PendingChange.objects.filter(project="guarded2")
    sha256 = change.pages["simple/guarded2/index.json"][1]
    blobs.put_bytes(f"simple/guarded2/{sha256}.index.json", b'{"files": []}')
    publish_pending()
    assert _signed_target("simple/guarded2/index.json").hashes["sha256"] == before


def test_an_older_render_queued_late_does_not_replace_a_newer_one(repository) -> None:
    from stockade.tuf.services import queue_changed_targets

    new, old = b"<html>serial 2</html>", b"<html>serial 1</html>"
    queue_changed_targets(None, pages={"simple/index.html": new}, serial=2)
    queue_changed_targets(None, pages={"simple/index.html": old}, serial=1)
    signed = _signed_target("simple/index.html")
    assert signed.hashes["sha256"] == hashlib.sha256(new).hexdigest()
