"""A print's matcher template is kept in the store by the print's hash when it is saved: the
comparisons read it back instead of extracting it again (after a restart too), with the same
verdict as a fresh computation, and it is deleted with the last part that holds the print."""

from __future__ import annotations

import pytest

from station.capture import fingerprint, fpmatch, fpsynth, gate
from station.models import PrintFeatures
from station.service import StationService
from tests.conftest import OP_PW, FakeClock, login, valid_form


@pytest.fixture
def op(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "op1", OP_PW)


def _two_impressions() -> tuple[bytes, bytes]:
    """Two captures of one finger (another placement, a drier second one): not the same bytes."""
    seed = fpsynth.person_finger_seed(77, 1)
    first = fpsynth.impression(seed, impression_index=1)
    second = fpsynth.impression(seed, impression_index=2, condition="dry", level=0.35)
    return fingerprint.encode_wsq(first), fingerprint.encode_wsq(second)


def _kept(op: StationService) -> set[str]:
    with op.store.read() as s:
        return {r.sha256 for r in s.query(PrintFeatures)}


def test_stored_templates_give_the_fresh_verdict_without_extracting(
    op: StationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _two_impressions()
    d = op.create_dossier("first_issue", valid_form())
    gate.clear_memo()
    op.save_fingerprint(d.id, "right_index", a, fingerprint.WSQ_MEDIA_TYPE, {})
    # The gate compares the print being saved with the one stored (the order it scores in).
    fresh = fpmatch.similarity(
        fpmatch.extract(fingerprint.decode_stored(b)), fpmatch.extract(fingerprint.decode_stored(a))
    )
    assert fresh >= gate.GateSettings().match_threshold  # a real same-finger pair

    # As after a restart: nothing remembered in the process. The first print's template comes
    # from the store; extracting it again would fail this test.
    gate.clear_memo()
    extracted: list[int] = []
    real_extract = fpmatch.extract

    def counting(*args: object, **kwargs: object) -> fpmatch.Template:
        extracted.append(1)
        return real_extract(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fpmatch, "extract", counting)
    op.save_fingerprint(d.id, "left_index", b, fingerprint.WSQ_MEDIA_TYPE, {})
    assert len(extracted) == 1  # the new print only
    alarm = op.capture_info(d.id)["alarms"]["duplicate:right_index+left_index"]
    assert alarm["similarity"] == round(fresh, 4)


def test_a_template_round_trips_exactly() -> None:
    a, b = _two_impressions()
    ta = fpmatch.extract(fingerprint.decode_stored(a))
    tb = fpmatch.extract(fingerprint.decode_stored(b))
    back = fpmatch.template_from_bytes(fpmatch.template_bytes(ta))
    assert back is not None and back.count == ta.count
    assert (back.foreground == ta.foreground).all() and back.period == ta.period
    assert fpmatch.similarity(back, tb) == fpmatch.similarity(ta, tb)
    assert fpmatch.template_from_bytes(b"not a template") is None


def test_templates_go_with_the_prints(op: StationService) -> None:
    a, b = _two_impressions()
    d = op.create_dossier("first_issue", valid_form())
    op.save_fingerprint(d.id, "right_index", a, fingerprint.WSQ_MEDIA_TYPE, {})
    op.save_fingerprint(d.id, "left_index", a, fingerprint.WSQ_MEDIA_TYPE, {})
    assert len(_kept(op)) == 1  # one print, one template, whatever the slots
    op.save_fingerprint(d.id, "left_index", b, fingerprint.WSQ_MEDIA_TYPE, {})
    assert len(_kept(op)) == 2
    op.remove_part(d.id, "fingerprint", "right_index")
    assert len(_kept(op)) == 1  # print a is held by no part any more
    op.record_capture_exception(d.id, "fingerprint", "left_index", "bandaged", "Băng bó")
    assert _kept(op) == set()
