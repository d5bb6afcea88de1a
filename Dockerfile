# ipdash in a container: Debian slim with Python 3.11, set up by the same script as a
# laptop or CI (`./run setup`: Debian's Chromium, fonts and nginx, then a virtual
# environment with the pinned packages), so the tests of ./run cover these steps.
#
#   docker build -t ipdash .
#   docker run -p 8501:8501 -e IPDASH_ADMIN_TOKEN=… ipdash        # one container
#   docker compose up                                            # replicas: compose.yaml
FROM python:3.11-slim-bookworm

WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DEBIAN_FRONTEND=noninteractive

# The script and the pinned requirements first, so the installed layer is rebuilt only
# when they change.
COPY run requirements.txt requirements-dev.txt ./
RUN ./run setup && rm -rf /var/lib/apt/lists/*

COPY . .
# A database generation built into the image: a replica can start without a volume.
RUN ./run ipdash build

EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
    CMD .venv/bin/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
# One container on its own: a worker per core behind nginx (./run serve).
CMD ["./run", "serve", "--address", "0.0.0.0"]
