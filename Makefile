# The two commands of the README: `make run` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
FLASK   := $(PY) -m flask --app wsgi
PYTHON  ?= python3

.PHONY: run test install lint bench clean

# GPU=1 (make install / make run): after the CPU install, swap in the GPU builds (torch CUDA wheels from the PyTorch
# index, onnxruntime-gpu, tensorflow[and-cuda]). Without GPU=1 nothing here changes the CPU install.
TORCH_CUDA_INDEX ?= https://download.pytorch.org/whl/cu128
GPU_STAMP := $(if $(filter 1,$(GPU)),$(VENV)/.installed-gpu)

run: $(VENV)/.installed $(GPU_STAMP)
	$(FLASK) db upgrade
	$(FLASK) users ensure-admin
	-$(FLASK) models download  # the upstream detectors when online; the shipped detector works without them
	$(FLASK) serve --host 127.0.0.1 --port 5000 --workers 1

test: $(VENV)/.installed-test
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed $(GPU_STAMP)

# torch first, from the CPU build (a plain `torch` requirement would pull several GB of CUDA packages);
# insightface without its dependencies (it pulls opencv-python, whose cv2 would replace the headless one).
$(VENV)/.installed: requirements.txt requirements-nodeps.txt scripts/system-deps.sh
	scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.installed-gpu: $(VENV)/.installed
	$(PIP) uninstall -y -q onnxruntime
	$(PIP) install -q --force-reinstall --no-deps torch==2.13.0 --index-url $(TORCH_CUDA_INDEX)
	$(PIP) install -q --index-url $(TORCH_CUDA_INDEX) --extra-index-url https://pypi.org/simple torch==2.13.0
	$(PIP) install -q onnxruntime-gpu "tensorflow[and-cuda]"
	$(PY) -c "from models.device import choose; print('device:', choose().describe())"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	scripts/system-deps.sh chromium
	$(PIP) install -q -r requirements-test.txt
	touch $@

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

bench: $(VENV)/.installed
	$(PY) bench/detect.py

clean:
	rm -rf $(VENV) .pytest_cache
