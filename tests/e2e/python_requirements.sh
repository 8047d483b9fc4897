#!/usr/bin/env bash
# A python algorithm whose requirements come from a local wheel directory (the agent installs
# them with pip --no-index --find-links): the wheel is built here, by hand, as a zip.
source "$(dirname "$0")/lib.sh"
keys algo consumer
cid=e2e-pyreq
mkdir -p "$W/wheels"
python3 - "$W/wheels" <<'PY'
import base64, hashlib, sys, zipfile
files = {
    "cocoshello/__init__.py": "def greet(who):\n    return f'hello {who} from a local wheel'\n",
    "cocoshello-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: cocoshello\nVersion: 0.1\n",
    "cocoshello-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
rec = ""
for name, text in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    rec += f"{name},sha256={digest},{len(text.encode())}\n"
rec += "cocoshello-0.1.dist-info/RECORD,,\n"
with zipfile.ZipFile(f"{sys.argv[1]}/cocoshello-0.1-py3-none-any.whl", "w") as z:
    for name, text in files.items():
        z.writestr(name, text)
    z.writestr("cocoshello-0.1.dist-info/RECORD", rec)
PY
printf 'cocoshello==0.1\n' >"$W/requirements.txt"
cat >"$W/algo.py" <<'PY'
import os
import cocoshello
msg = cocoshello.greet("e2e")
print(msg)
with open(os.path.join(os.environ["RESULTS_DIR"], "greeting.txt"), "w") as f:
    f.write(msg + "\n")
PY
manifest "$W/manifest.json" $cid python "$W/algo.py" algo consumer --requirements "$W/requirements.txt"
sign algo $cid algorithm "$W/algo.py" "$W/algo.sig"
sign algo $cid requirements "$W/requirements.txt" "$W/req.sig"
start_agent $cid --pip-options "--no-index --find-links $W/wheels"
run_manager --agent $cid --manifest "$W/manifest.json" --algorithm "$W/algo.py" --algorithm-sig "$W/algo.sig" \
  --requirements "$W/requirements.txt" --requirements-sig "$W/req.sig" \
  --consumer-key "$W/keys/consumer.pem" --results "$W/results.zip"
expect_ok
[ "$(zip_file "$W/results.zip" greeting.txt)" = "hello e2e from a local wheel" ] || fail "greeting wrong"
check_event_log $cid
pass "python with requirements"
