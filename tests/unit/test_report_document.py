"""The annual summary as a Word document: python-docx reads it back with every section, the
staff's narrative and each figure as the report gives it; LibreOffice converts it where installed.
And the narrative itself: kept per year and part, written by the part's officer, audited."""
import io
import shutil
import subprocess

import pytest
from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from gateway.models import AuditEntry
from gateway.report import document, narrative
from gateway.report.render import is_rate, number
from services.kit.context import Caller
from services.kit.db import make_engine
from services.kit.errors import Forbidden
from services.kit.migrate import upgrade
from tests.unit.test_report_compose import FakeCall, build


def read_back(content: bytes):
    doc = Document(io.BytesIO(content))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    texts = [p.text for p in doc.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]
    return headings, texts, tables


def test_the_document_holds_every_section_its_figures_and_the_narrative():
    answer = build(FakeCall())
    answer["narrative"] = {"overview": "一年来，中心围绕保障、服务、管理三项职能开展工作。",
                           "vehicles": "严格执行公务用车制度。\n推进车辆定点保险、维修、加油。",
                           "difficulties": "部分办公楼设备老化。", "plans": "推进节约型机关创建全覆盖。"}
    headings, texts, tables = read_back(document.document(answer))
    assert headings[0] == "机关后勤服务中心2025年度工作总结"
    assert headings[1:2] == ["一、2025年主要工作"] and headings[-2:] == ["二、存在的困难和问题", "三、2026年工作计划"]
    assert [h for h in headings if h.startswith("（")] == [
        f"（{n}）{s['title']}" for n, s in zip(document.CHINESE_NUMBERS, answer["sections"])]
    assert {"严格执行公务用车制度。", "推进车辆定点保险、维修、加油。", "部分办公楼设备老化。",
            "推进节约型机关创建全覆盖。", "一年来，中心围绕保障、服务、管理三项职能开展工作。"} <= set(texts)
    assert texts.count(document.TO_WRITE) == len(answer["sections"]) - 1  # the sections nobody wrote yet
    assert len(tables) == len(answer["sections"])
    for section, table in zip(answer["sections"], tables):
        assert table[0] == list(document.TABLE_HEADERS)
        assert [(row[0], row[1], row[2]) for row in table[1:]] == [
            (f["label"], number(f["value"], is_rate(f)), number(f["previous"], is_rate(f))) for f in section["figures"]]
    figures = {row[0]: row[1] for table in tables for row in table[1:]}
    assert figures["调度车次"] == "200" and figures["检查的单位"] == "4" and figures["维保按期完成率"] == "90.0%"
    assert figures["无烟机关创建达标单位"] == "14"


def test_an_unavailable_section_says_so_in_the_document():
    headings, texts, tables = read_back(document.document(build(FakeCall(down=["energy"]))))
    assert "（四）节能与垃圾分类" in headings
    assert any(text.startswith("本部分数据暂时无法取得（原因：节能服务") for text in texts)
    assert len(tables) == 5  # energy and campaigns have no figures


def test_libreoffice_converts_the_document_to_pdf(tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    source = tmp_path / "summary.docx"
    source.write_bytes(document.document(build(FakeCall())))
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, timeout=180, capture_output=True)
    assert (tmp_path / "summary.pdf").read_bytes().startswith(b"%PDF")


@pytest.fixture
def gateway_db(tmp_path):
    url = f"sqlite:///{tmp_path}/gateway.db"
    upgrade("gateway", url)
    return sessionmaker(make_engine(url), expire_on_commit=False)


def test_each_part_is_written_by_its_officer_kept_per_year_and_audited(gateway_db):
    dispatcher, energy = Caller("zhang", ("dispatcher",)), Caller("li", ("energy_officer",))
    narrative.write(gateway_db, dispatcher, "vehicles", 2025, "车辆管理规范。")
    with pytest.raises(Forbidden):
        narrative.write(gateway_db, dispatcher, "energy", 2025, "不是我的部分")
    with pytest.raises(Forbidden):
        narrative.write(gateway_db, Caller("boss", ("leader",)), "plans", 2025, "领导只读")
    narrative.write(gateway_db, energy, "plans", 2025, "计划一")
    narrative.write(gateway_db, energy, "plans", 2025, "计划二")
    narrative.write(gateway_db, energy, "plans", 2025, "计划二")  # the same text again changes nothing
    narrative.write(gateway_db, Caller("root", ("system_admin",)), "energy", 2024, "上一年")
    assert narrative.texts(gateway_db, 2025) == {"vehicles": "车辆管理规范。", "plans": "计划二"}
    parts = narrative.narrative(gateway_db, 2025)["parts"]
    assert [p["part"] for p in parts] == list(narrative.PARTS) and parts[-1]["updated_by"] == "li"
    with gateway_db() as session:
        entries = [(e.actor, e.entity_id, e.changes["text"]) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "report_narrative").order_by(AuditEntry.id))]
    assert entries == [("zhang", "2025,vehicles", [None, "车辆管理规范。"]), ("li", "2025,plans", [None, "计划一"]),
                       ("li", "2025,plans", ["计划一", "计划二"]), ("root", "2024,energy", [None, "上一年"])]
