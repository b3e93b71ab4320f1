"""`make run` without a broker: all five services and the gateway in one process on the
in-memory transport, each service still on its own health port."""
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pytest
import requests
from openpyxl import Workbook

from services.kit.config import DEFAULT_PORTS, ROOT, SERVICES
from tests.support import eventually, free_port

pytestmark = pytest.mark.e2e


def test_the_whole_suite_runs_in_one_process_without_a_broker(tmp_path):
    ports = {owner: free_port() for owner in DEFAULT_PORTS}
    env = dict(os.environ, VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT), ADMIN_PASSWORD="single-process-pw",
               LOG_FORMAT="text", **{f"{owner.upper()}_PORT": str(port) for owner, port in ports.items()})
    for owner in ("gateway",) + SERVICES:
        env.pop(f"{owner.upper()}_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "services.kit.migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "gateway.cli", "ensure-admin"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    log = open(tmp_path / "suite.log", "w")
    suite = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "all_in_one.py")], cwd=ROOT, env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{ports['gateway']}"
    try:
        def healthy():
            try:
                return requests.get(f"{base}/health/services", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        eventually(healthy, timeout=30)
        token = requests.post(f"{base}/api/v1/auth/token", json={"username": "admin", "password": "single-process-pw"},
                              timeout=10).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        building = requests.post(f"{base}/api/v1/buildings", json={"name": "单进程楼", "floors": 1}, headers=auth, timeout=10)
        assert building.status_code == 201
        requests.post(f"{base}/api/v1/rooms", json={"building_id": building.json()["id"], "number": "1", "floor": 1,
                      "usable_area_m2": 15, "type": "office", "unit_code": "U-single"}, headers=auth, timeout=10)
        requests.post(f"{base}/api/v1/institutions", json={"unit_code": "U-single", "name": "x", "headcount": 2},
                      headers=auth, timeout=10)
        assert eventually(lambda: requests.get(f"{base}/api/v1/institutions", headers=auth, timeout=10)
                          .json()["items"][0]["floor_area_m2"] == 15.0)
        # a sheet is imported as a job on SQLite too; the sheet declaring A1:XFD20001 is refused unread
        sheet = "unit_code,period,water_m3\nU-single,2024-01,5\n".encode()
        accepted = requests.post(f"{base}/api/v1/energy/imports", files={"file": ("a.csv", sheet)}, headers=auth,
                                 timeout=10)
        assert accepted.status_code == 202, accepted.text
        job = eventually(lambda: (lambda seen: seen if seen["status"] in ("succeeded", "failed") else None)(
            requests.get(base + accepted.headers["Location"], headers=auth, timeout=10).json()))
        assert (job["status"], job["readings_created"]) == ("succeeded", 1), job
        book, hostile = Workbook(), BytesIO()
        book.active.cell(row=20001, column=16384, value=1)
        book.save(hostile)
        refused = requests.post(f"{base}/api/v1/energy/imports", files={"file": ("b.xlsx", hostile.getvalue())},
                                headers=auth, timeout=10)
        assert refused.status_code == 422 and refused.json()["rule"] == "energy.import_limit"
        for owner in SERVICES:
            assert requests.get(f"http://127.0.0.1:{ports[owner]}/ready", timeout=5).status_code == 200
        # Meetings one after another, then side by side: each saga's RPCs and the outbox of the
        # one before share a SQLite file per service in one process (a lock wait there froze it).
        meeting_room = requests.post(f"{base}/api/v1/meeting-rooms", json={"name": "单进程会议室", "capacity": 20},
                                     headers=auth, timeout=10)
        assert meeting_room.status_code == 201, meeting_room.text

        def request_meeting(day):
            return requests.post(f"{base}/api/v1/meetings", json={
                "title": f"第{day}次例会", "meeting_room_id": meeting_room.json()["id"], "attendees": 10,
                "unit_code": "U-single", "start_at": f"2031-03-{day:02d}T09:00:00+08:00",
                "end_at": f"2031-03-{day:02d}T10:00:00+08:00",
                "cars": [{"passengers": 3, "origin": "县政府", "destination": "会议中心"}]}, headers=auth, timeout=30)

        answers = [request_meeting(day) for day in range(1, 9)]
        with ThreadPoolExecutor(4) as pool:
            answers += list(pool.map(request_meeting, range(11, 19)))
        assert [answer.status_code for answer in answers] == [201] * 16, [answer.text for answer in answers]
        assert "suite_worker_calls_total" in requests.get(f"http://127.0.0.1:{ports['energy']}/metrics", timeout=5).text
    finally:
        suite.terminate()
        suite.wait(timeout=30)
    assert suite.returncode == 0, (tmp_path / "suite.log").read_text()[-3000:]
