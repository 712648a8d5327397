"""Screenshots of every screen of the station window, in Vietnamese and in English, for review.

Provisions a throwaway demo station in a temporary folder (an operator, a supervisor, an intake
drive's roster, a team quota and a few dossiers), then for each language shows the window at
the given size with simulated devices and saves: login, a failed login, the operator's home,
each wizard step of a new dossier (start, form with an error, the privacy notice, photo,
fingerprints, rolled prints, irises, documents, review, signature) and the appointment slip,
the queue, resident search, the roster, the supervisor's home, review, the seal confirmation and
reports, the admin's settings, the lock countdown, the lock screen and a locked-out account.

``--size`` is the window's size in screen pixels; with ``--scale`` (the desktop's scaling,
e.g. 1.25 for 125 %) the window is laid out at size/scale and drawn at the scale, as on such a
desktop. ``make screenshots`` shoots 1280x700, 1366x768 and 1920x1080 at 100 % and 125 %, each
into its own folder. Runs under Xvfb or on Qt's offscreen platform::

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshots.py \
        --size 1280x700 --scale 1.25 --out .screenshots/1280x700@125
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py --out /tmp/shots
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from station.devices.defaults import registry  # noqa: E402
from station.paths import StationPaths  # noqa: E402
from station.provisioning import (  # noqa: E402
    Bundle,
    InitRequest,
    generate_receiver_keyset,
    init_station,
)
from station.service import StationService  # noqa: E402
from tests.conftest import capture_all, valid_form  # noqa: E402
from ui.app import MainWindow, apply_font  # noqa: E402
from ui.i18n import LANGUAGES, install_translator  # noqa: E402
from ui.qt import QApplication, QLineEdit, QWidget  # noqa: E402
from ui.wizard import (  # noqa: E402
    DOCUMENTS,
    FINGERS,
    FORM,
    IRIS,
    PHOTO,
    REVIEW,
    ROLLED,
    SIGNATURE,
    Wizard,
)

SIZE = (1366, 768)
ADMIN_ID = "admin"
ADMIN_NAME = "Nguyễn Thị Ánh"
ADMIN_PASSWORD = "demo-password-2025"  # noqa: S105 - a throwaway demo station
WRONG_PASSWORD = "not-the-password"  # noqa: S105
LOCKOUT_ID = "canbo02"
LOCKOUT_ATTEMPTS = 6
STATION_CODE = "TN-001"
STATION_NAME = "Trạm Thái Nguyên 1"
WAIT_S = 60.0
OPERATOR = ("canbo01", "Trần Văn Bình", "operator", "operator-pass-2025")
SUPERVISOR = ("totruong", "Lê Thị Cúc", "supervisor", "supervisor-pass-2025")
SUPERVISOR2 = ("totruong2", "Phạm Văn Dũng", "supervisor", "supervisor2-pass-2025")
ROSTER = (
    "ho_ten,ngay_sinh,nhom_uu_tien,stt\n"
    "Lý Văn Ba,2010,,3\n"
    "Vũ Thị Hai,2010,,2\n"
    "Đinh Văn Một,1950,elderly,9\n"
    "Hà Thị Tư,2011,sick_disabled,12\n"
)


def populate(root: Path, tmp: Path) -> None:
    """Staff, a roster, a quota and dossiers in several states, through the service."""
    admin = StationService(StationPaths(root))
    admin.login(ADMIN_ID, ADMIN_PASSWORD)
    for op_id, name, role, password in (OPERATOR, SUPERVISOR, SUPERVISOR2):
        admin.add_operator(op_id, name, role, password + "-first")
        other = StationService(StationPaths(root))
        other.login(op_id, password + "-first")
        other.change_password(password + "-first", password)
        other.close()
    admin.close()
    op = StationService(StationPaths(root))
    op.login(OPERATOR[0], OPERATOR[3])
    sup = StationService(StationPaths(root))
    sup.login(SUPERVISOR[0], SUPERVISOR[3])
    roster = tmp / "THPT Chu Văn An.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    sup.import_roster(roster, "drive", "THPT Chu Văn An — lớp 10")
    today = sup.today()
    sup.reporting.set_quotas(today, today, {"": 40, "05533": 25})
    names = ["Hoàng Thị Én", "Nông Văn Dền", "Lò Thị Xuân", "Hà Văn Tâm"]
    for i, name in enumerate(names):
        d = op.create_dossier("first_issue", valid_form(full_name=name))
        capture_all(op, d.id)
        op.mark_captured(d.id)
        op.confirm(d.id)
        if i < 2:
            sup.approve(d.id)
            sup.seal(d.id)
    op.close()
    sup.close()


def provision(tmp: Path) -> Path:
    files = generate_receiver_keyset(tmp / "receiver")
    root = tmp / "station"
    init_station(
        StationPaths(root),
        InitRequest(
            bundle=Bundle.load(files["bundle"]),
            admin_id=ADMIN_ID,
            admin_name=ADMIN_NAME,
            admin_password=ADMIN_PASSWORD,
            station_code=STATION_CODE,
            station_name=STATION_NAME,
            demo=True,
            kdf_cost=(1024, 1, 1),
        ),
    )
    return root


def settle(app: QApplication, until: Callable[[], bool] = lambda: True) -> None:
    """Run the event loop until ``until()`` holds, then a little longer for painting."""
    deadline = time.monotonic() + WAIT_S
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)


def save(widget: QWidget, path: Path) -> None:
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")
    print(path)


def _login(app: QApplication, window: MainWindow, op_id: str, password: str) -> None:
    screen = window.login_screen
    screen.operator_edit.setText(op_id)
    screen.password_edit.setText(password)
    screen.login_button.click()
    settle(app, lambda: not window.busy and window.service.session is not None)


def _logout(app: QApplication, window: MainWindow) -> None:
    window.go_home()
    settle(app)
    window.home_screen.logout_button.click()
    settle(app, lambda: window.service.session is None)


def _slip_png(pdf: Path, path: Path, scale: float = 1.6) -> None:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        doc[0].render(scale=scale).to_pil().save(str(path))
    finally:
        doc.close()
    print(path)


def _rolled_and_irises(app: QApplication, wizard: Wizard, snap: Callable[[str], None]) -> None:
    """The rolled prints and both irises, one press each; a picture halfway through each."""
    for step, page, count in ((ROLLED, wizard.rolled_page, 10), (IRIS, wizard.iris_page, 2)):
        wizard.go_to(step)
        settle(app, lambda page=page: not page.busy)
        for i in range(count):
            page.capture()
            settle(app, lambda page=page: page.busy)
            settle(app, lambda page=page: not page.busy)
            if i == count // 2 - 1:
                snap(f"wizard-{step}")


def shoot(
    app: QApplication, station: Path, lang: str, out: Path, size: tuple[int, int] = SIZE
) -> list[Path]:
    translator = install_translator(app, lang)
    devices = registry(
        {
            "camera": {"driver": "simulated", "scenario": "good"},
            "fingerprint": {"driver": "simulated", "seed": 3},
            "rolled": {"driver": "simulated", "seed": 3},
            "iris": {"driver": "simulated", "seed": 3},
            "signature": {"driver": "simulated", "seed": 2},
            "document": {"driver": "simulated"},
        }
    )
    window = MainWindow(StationService(StationPaths(station)), lang, devices=devices)
    saved: list[Path] = []
    count = 0
    try:
        window.setMinimumSize(1, 1)  # the size asked for, even below the usual minimum
        window.resize(*size)
        window.show()
        settle(app, window.isVisible)

        def snap(name: str) -> None:
            nonlocal count
            count += 1
            settle(app)
            path = out / f"{lang}-{count:02d}-{name}.png"
            save(window, path)
            saved.append(path)

        snap("login")
        screen = window.login_screen
        screen.operator_edit.setText(OPERATOR[0])
        screen.password_edit.setText(WRONG_PASSWORD)
        screen.login_button.click()
        settle(app, lambda: not window.busy)
        snap("login-failed")

        _login(app, window, OPERATOR[0], OPERATOR[3])
        settle(app, window.on_home)
        snap("home-operator")

        wizard = window.wizard
        window.home_screen.new_button.click()
        settle(app)
        wizard.start_page.case_buttons["first_issue"].setChecked(True)
        snap("wizard-start")
        wizard.start_page.start()
        settle(app, lambda: wizard.current_step() == FORM)
        page = wizard.form_page
        editors = page.editors
        for key, value in (
            ("full_name", "Hoàng Thị Én"),
            ("id_number", "079301990001"),  # a citizen the seeded dossiers do not hold
            ("date_of_birth", "31/02/2001"),  # an impossible date: its message beside it
        ):
            edit = editors[key]
            assert isinstance(edit, QLineEdit)
            edit.setFocus()
            edit.setText(value)
        page.reveal_all()
        settle(app, lambda: not page.dirty)
        snap("wizard-form-error")
        edit = editors["date_of_birth"]
        assert isinstance(edit, QLineEdit)
        edit.setText("03/02/2001")
        page.leave()
        svc = window.service
        dossier_id = wizard.dossier_id
        assert dossier_id is not None
        svc.update_form(dossier_id, valid_form())
        wizard.go_to(PHOTO)
        snap("wizard-privacy-notice")
        wizard.notice_panel.given_button.click()
        photo = wizard.photo_page

        def streaming() -> bool:
            worker = photo.camera_worker
            return worker is not None and worker.stats.frames > 5

        settle(app, streaming)
        snap("wizard-photo-live")
        settle(app, lambda: photo.mode == photo.SAVED)
        snap("wizard-photo-saved")
        wizard.go_to(FINGERS)
        fingers = wizard.finger_page
        settle(app, lambda: not fingers.busy)
        fingers.capture()
        settle(app, lambda: fingers.busy)
        settle(app, lambda: not fingers.busy)
        snap("wizard-fingers")
        for _ in range(2):
            fingers.capture()
            settle(app, lambda: fingers.busy)
            settle(app, lambda: not fingers.busy)
        _rolled_and_irises(app, wizard, snap)
        wizard.go_to(DOCUMENTS)
        snap("wizard-documents")
        wizard.go_to(REVIEW)
        settle(app, lambda: not wizard.confirm_page.loading)
        snap("wizard-review")
        wizard.confirm_page.review_then_sign()  # the citizen reviewed: now they sign
        settle(app, lambda: wizard.current_step() == SIGNATURE)
        sign = wizard.signature_page
        sign.sign_on_device()
        settle(app, lambda: sign.mode == sign.SAVED)
        snap("wizard-signature")
        slips: list[str] = []
        wizard.confirm_page.slip_written.connect(slips.append)
        sign.confirm_button.click()
        settle(app, lambda: bool(slips) and not wizard.confirm_page.loading)
        snap("wizard-confirmed")
        slip = out / f"{lang}-{count + 1:02d}-appointment-slip.png"
        count += 1
        _slip_png(Path(slips[0]), slip)
        saved.append(slip)
        record = wizard.confirm_page.record_path
        if record is not None:  # the intake record (CC01), at its size on a 96-dpi screen
            page = out / f"{lang}-{count + 1:02d}-intake-record.png"
            count += 1
            _slip_png(record, page, scale=96 / 72)
            saved.append(page)
        wizard.confirm_page.done_button.click()
        settle(app, window.on_home)

        window.show_screen(window.queue_screen)
        snap("queue")
        window.show_screen(window.search_screen)
        window.search_screen.search.set_query("van")
        settle(app)
        snap("resident-search")
        window.show_screen(window.rosters_screen)
        rosters = window.rosters_screen
        settle(app)
        if rosters.roster_list.count():
            rosters.roster_list.setCurrentRow(0)
        settle(app)
        snap("roster")
        _logout(app, window)

        _login(app, window, SUPERVISOR2[0], SUPERVISOR2[3])
        settle(app, window.on_home)
        snap("home-supervisor")
        window.show_screen(window.review_screen)
        review = window.review_screen
        settle(app)
        if review.dossiers:
            review.select(review.dossiers[0].id)
        settle(app, lambda: not review.busy)
        snap("review")
        review.ask_seal()
        snap("review-seal-password")
        review.cancel_seal()
        window.show_screen(window.reports_screen)
        settle(app)
        snap("reports")
        _logout(app, window)

        _login(app, window, ADMIN_ID, ADMIN_PASSWORD)
        settle(app, window.on_home)
        snap("home-admin")
        window.show_screen(window.settings_screen)
        settle(app, lambda: not window.settings_screen.busy)
        snap("settings")
        window.lock_countdown.show_left(42)
        snap("lock-countdown")
        window.home_screen.lock_button.click() if window.on_home() else window.lock()
        settle(app, window.on_lock_screen)
        snap("locked")

        # Log out from the lock screen, then lock out an account with wrong passwords.
        screen.logout_button.click()
        settle(app, lambda: not window.on_lock_screen())
        for _ in range(LOCKOUT_ATTEMPTS):
            screen.operator_edit.setText(LOCKOUT_ID)
            screen.password_edit.setText(WRONG_PASSWORD)
            screen.login_button.click()
            settle(app, lambda: not window.busy)
            if not screen.countdown_label.isHidden():
                break
        snap("lockout")
    finally:
        window.close()
        window.shutdown()
        window.deleteLater()
        if translator is not None:
            app.removeTranslator(translator)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshots of the station window.")
    parser.add_argument("--out", type=Path, default=Path(".screenshots"))
    parser.add_argument("--size", default="x".join(map(str, SIZE)), help="WxH screen pixels")
    parser.add_argument("--scale", type=float, default=1.0, help="desktop scaling, e.g. 1.25")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    width, height = (int(x) for x in str(args.size).lower().split("x"))
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)  # read when the application starts
    size = (round(width / args.scale), round(height / args.scale))

    app = QApplication(sys.argv[:1])
    apply_font(app)
    with tempfile.TemporaryDirectory(prefix="intake-screenshots-") as tmp:
        station = provision(Path(tmp))
        populate(station, Path(tmp))
        saved = [path for lang in LANGUAGES for path in shoot(app, station, lang, out, size)]
    print(f"{len(saved)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
