#!/usr/bin/env bash
# Set up bontot on a Debian/Ubuntu machine: the system packages it needs (when run as root;
# packages already present are skipped), then a virtual environment in .venv with the project.
# Re-running is cheap: nothing is reinstalled unless pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages (Debian names).  python3-venv/pip: the virtual environment; LibreOffice
# (headless, no GUI) converts .doc and writes PDFs; Liberation fonts are metric-compatible with
# Times New Roman, which the Party's document format asks for; Tesseract with its Vietnamese
# data reads scans and photos; Chromium runs the web desk's browser tests (Playwright drives
# Debian's Chromium, it downloads no browser of its own); Ghostscript is what OCRmyPDF needs, for
# the naive pipeline that bench.province compares with; libatomic1 is what Playwright's own
# node driver needs (a minimal Debian lacks it).
APT_PACKAGES=(python3 python3-venv python3-pip libreoffice-writer-nogui fonts-liberation2
  fonts-dejavu-core tesseract-ocr tesseract-ocr-vie chromium ghostscript libatomic1)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "Cài gói hệ thống: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Thiếu gói hệ thống: ${missing[*]}" >&2
    echo "Hãy nhờ quản trị viên chạy: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.bontot-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "Cài các thư viện Python vào .venv ..."
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" >"$stamp"
fi
