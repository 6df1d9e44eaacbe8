"""The monthly performance report: HTML page, PDF rendered to PNG and checked."""
import datetime as dt
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.test import Client

from tests.service.factories import at, call, caller, case, digital, episode, intervention, user

pytestmark = pytest.mark.django_db


def small_force():
    for d in range(1, 29):
        for h in (3, 9, 14, 20):
            call(at(f"2025-03-{d:02d} {h:02d}:10"), wait=2 + (h % 7) * 2, number="+447700900100")
            call(at(f"2025-03-{d:02d} {h:02d}:20"), channel="101", wait=10 + h * 2)
        digital(at(f"2025-03-{d:02d} 12:00"), channel="webchat")
    call(at("2025-03-05 04:00"), abandoned=True, wait=20, number="+447700900101")
    who = caller("Pat Example")
    episode(who, at("2025-03-10 12:00"))
    intervention(case(who), dt.date(2025, 3, 12))


def test_pdf_renders_with_expected_text_and_pixels(tmp_path):
    small_force()
    out = tmp_path / "report.pdf"
    call_command("report", "monthly", "--month", "2025-03", "--pdf", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Monthly performance report", "2025-03", "Service levels", "Abandoned 999 calls",
                     "Repeat callers found", "Cases and call blocks", "Impact", "regression to the mean"):
        assert expected in text, expected
    pages = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout.splitlines() if line.startswith("Pages:")))
    assert 2 <= pages <= 8
    # First page to PNG: not blank, and the blue chart bars are drawn.
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(out))
    image = pdf[0].render(scale=1).to_pil().convert("RGB")
    pixels = list(image.get_flattened_data()) if hasattr(image, "get_flattened_data") else list(image.getdata())
    non_white = sum(1 for p in pixels if p != (255, 255, 255))
    chart_blue = sum(1 for p in pixels if abs(p[0] - 0x1D) < 12 and abs(p[1] - 0x70) < 12 and abs(p[2] - 0xB8) < 12)
    assert non_white > 0.03 * len(pixels)
    assert chart_blue > 500
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")], check=True)
        assert any(tmp_path.glob("page*.png"))


def test_report_pages_and_pdf_download():
    small_force()
    client = Client()
    client.force_login(user("analyst"))
    page = client.get("/impact/report/?month=2025-03")
    assert page.status_code == 200 and "Monthly performance report" in page.content.decode()
    pdf = client.get("/impact/report.pdf?month=2025-03")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    overview = client.get("/impact/")
    assert overview.status_code == 200 and "Difference in differences" in overview.content.decode()
    handler = Client()
    handler.force_login(user("handler"))
    assert handler.get("/impact/").status_code == 403


@pytest.mark.postgres
def test_report_service_command_json_and_csv(capsys):
    small_force()
    call_command("report", "service", "--month", "2025-03", "--json")
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["lines"]["999"]["overall"]["offered"] == 113
    call_command("report", "service", "--month", "2025-03", "--csv")
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("2025-03,113,112,0,28,0")


def test_report_bad_month_is_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not YYYY-MM"):
        call_command("report", "service", "--month", "March")
