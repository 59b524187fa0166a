"""The server's table notes what it puts (state.JournaledWorkspace), so that an analysis knows
which files changed since the previous snapshot without comparing every file. Whatever the
server does between two snapshots, what the journal says must cover what really changed, and
it may only speak when the files kept their order."""
import os
import tempfile

from hypothesis import given, settings, strategies as st

from netpol_lsp.analysis.incremental import _changed_paths
from netpol_lsp.config import Config
from netpol_lsp.lsp.state import JournaledWorkspace, ServerState

NAMES = ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]

operations = st.lists(st.tuples(
    st.sampled_from(["open", "edit", "close", "disk", "delete", "create", "snapshot", "adopt", "snapshot-no-adopt"]),
    st.sampled_from(NAMES), st.integers(0, 3)), max_size=30)


def _text(n: int) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{n}}}\n"


@settings(max_examples=150, deadline=None)
@given(operations)
def test_the_journal_covers_every_change_between_two_snapshots(ops):
    with tempfile.TemporaryDirectory() as folder:
        state = ServerState(Config())
        state.set_roots([f"file://{folder}"])
        for name in NAMES[:3]:
            with open(os.path.join(folder, name), "w") as out:
                out.write(_text(0))
            state.disk_changed(os.path.join(folder, name), deleted=False)
        versions = {}
        earlier = None
        for op, name, n in ops:
            path = os.path.join(folder, name)
            uri = f"file://{path}"
            if op == "open" and path not in state.open:
                versions[path] = 1
                state.open_document(uri, _text(n), 1)
            elif op == "edit" and path in state.open:
                versions[path] += 1
                state.change_document(uri, _text(n), versions[path])
            elif op == "close" and path in state.open:
                state.close_document(uri)
            elif op in ("disk", "create"):
                with open(path, "w") as out:
                    out.write(_text(n))
                state.disk_changed(path, deleted=False)
            elif op == "delete" and os.path.exists(path):
                os.remove(path)
                state.disk_changed(path, deleted=True)
            elif op.startswith("snapshot"):
                snapshot = state.snapshot()
                parsed = snapshot.materialize()
                if op == "snapshot":
                    state.adopt(parsed)
                if earlier is not None:
                    said = snapshot.changes_since(earlier)
                    walked = _changed_paths(earlier.workspace.files, snapshot.workspace.files)
                    if said is not None:
                        assert walked is not None, "the journal spoke though the files' order changed"
                        assert walked <= said
                earlier = snapshot
            elif op == "adopt" and earlier is not None:
                state.adopt([])


def test_a_plain_edit_is_known_without_a_walk(tmp_path):
    state = ServerState(Config())
    state.set_roots([tmp_path.as_uri()])
    for name in NAMES:
        (tmp_path / name).write_text(_text(0))
        state.disk_changed(str(tmp_path / name), deleted=False)
    uri = (tmp_path / "b.yaml").as_uri()
    state.open_document(uri, _text(1), 1)
    first = state.snapshot()
    state.adopt(first.materialize())
    state.change_document(uri, _text(2), 2)
    second = state.snapshot()
    state.adopt(second.materialize())
    assert second.changes_since(first) == {str(tmp_path / "b.yaml")}
    (tmp_path / "e.yaml").write_text(_text(0))
    state.disk_changed(str(tmp_path / "e.yaml"), deleted=False)  # a new file goes last: unknown
    third = state.snapshot()
    third.materialize()
    assert third.changes_since(second) is None


def test_the_journal_forgets_its_oldest_entries():
    workspace = JournaledWorkspace(Config())
    for n in range(3 * JournaledWorkspace.JOURNAL_KEPT):
        workspace._note(f"p{n % 7}")
    assert len(workspace._journal) <= 2 * JournaledWorkspace.JOURNAL_KEPT
    assert workspace.replaced_between(0, 5) is None  # its start was let go
    end = workspace.journal_length
    assert workspace.replaced_between(end - 2, end) == {f"p{(end - 2) % 7}", f"p{(end - 1) % 7}"}
