# Movieweb on Kubernetes: a kind cluster, the add-ons, the images and the chart.
#
#   make kind-up addons images deploy   # https://movieweb.local (after the /etc/hosts line)
#   make tilt                           # the hot-reload loop instead of images+deploy
#   make kind-down
#
# Needs docker, kind, kubectl and helm (bin/helm from `make tools` works too).
# Tests of the chart against a real kube-apiserver (no Docker needed): make test-k8s

include scripts/k8s/versions.env
include k8s/addons.env

CLUSTER        ?= movieweb
NAMESPACE      ?= movieweb
RELEASE        ?= movieweb
REGISTRY       ?= movieweb
TAG            ?= dev
KIND_NODE_IMAGE ?= kindest/node:$(K8S_VERSION)
IMAGES         := movies users reviews relations gateway webapp operator
HELM           ?= $(shell command -v helm 2>/dev/null || echo $(CURDIR)/bin/helm)
KUBECTL        ?= kubectl
KIND           ?= kind
DOCKER         ?= docker
REVISION       := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CREATED        := $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
KCTX           := --kube-context kind-$(CLUSTER)

# Every Python image comes from docker/python.Dockerfile; build args choose the package (the
# service name for `movieweb serve` and the source directory follow from it) and what differs.
PY_DOCKERFILE  := docker/python.Dockerfile
OPERATOR_CMD   := kopf run --standalone --liveness=http://0.0.0.0:8080/healthz -m movieweb_operator --all-namespaces
description_movies    := Movieweb movies service: the film catalogue
description_users     := Movieweb users service: accounts, JWT signing and the JWKS
description_reviews   := Movieweb reviews service: reviews and per-movie rating stats
description_relations := Movieweb relations service: who follows whom
description_gateway   := Movieweb gateway service: the public API with its Redis cache
description_operator  := Movieweb operator: Postgres shards and shard maps for ShardSets
build_args_operator   := --build-arg SOURCE=operator --build-arg PORTS="8080 9090" \
  --build-arg COMMAND="$(OPERATOR_CMD)" --build-arg DEV_COMMAND="$(OPERATOR_CMD)"
LABEL_ARGS     := --build-arg VERSION=$(TAG) --build-arg REVISION=$(REVISION) --build-arg CREATED=$(CREATED)

.DEFAULT_GOAL := help
.PHONY: help tools kind-up addons addons-gateway-api images kind-load \
        crds dev-cert deploy deploy-gateway-api undeploy helm-test kind-down tilt test-k8s lint-chart \
        template dashboard hosts

help: ## This list
	@grep -hE '^[a-zA-Z_-]+:.*?## ' Makefile | awk -F':.*?## ' '{printf "  %-20s %s\n", $$1, $$2}'

tools: ## Build kube-apiserver, etcd and helm into bin/ (cached by version, no Docker needed)
	scripts/k8s/build-tools.sh

kind-up: ## Create the kind cluster (Kubernetes $(K8S_VERSION), ports 80/443 on localhost)
	@if $(KIND) get clusters | grep -qx '$(CLUSTER)'; then echo "kind cluster $(CLUSTER) exists"; \
	else $(KIND) create cluster --name $(CLUSTER) --image $(KIND_NODE_IMAGE) --config kind-config.yaml --wait 180s; fi
	$(KUBECTL) config use-context kind-$(CLUSTER)

addons: ## Install kube-prometheus-stack, metrics-server and ingress-nginx (pinned in k8s/addons.env)
	$(HELM) $(KCTX) upgrade --install kube-prometheus-stack kube-prometheus-stack \
	  --repo $(PROMETHEUS_COMMUNITY_REPO) --version $(KUBE_PROMETHEUS_STACK_CHART_VERSION) \
	  -n monitoring --create-namespace -f k8s/monitoring/kube-prometheus-stack-values.yaml --wait --timeout 10m
	$(HELM) $(KCTX) upgrade --install metrics-server metrics-server \
	  --repo $(METRICS_SERVER_REPO) --version $(METRICS_SERVER_CHART_VERSION) \
	  -n kube-system -f k8s/metrics-server/values.yaml --wait --timeout 5m
	$(HELM) $(KCTX) upgrade --install ingress-nginx $(INGRESS_NGINX_CHART_URL) \
	  -n ingress-nginx --create-namespace -f k8s/ingress-nginx/values.yaml --wait --timeout 5m

addons-gateway-api: ## Optional: Gateway API CRDs and NGINX Gateway Fabric (for deploy-gateway-api)
	$(KUBECTL) apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/$(GATEWAY_API_VERSION)/standard-install.yaml
	$(HELM) $(KCTX) upgrade --install ngf $(NGINX_GATEWAY_FABRIC_CHART) --version $(NGINX_GATEWAY_FABRIC_CHART_VERSION) \
	  -n nginx-gateway --create-namespace -f k8s/nginx-gateway-fabric/values.yaml --wait --timeout 5m

images: $(addprefix image-,$(IMAGES)) kind-load ## Build every image and load it into kind

image-webapp:
	$(DOCKER) build -f services/webapp/Dockerfile -t $(REGISTRY)/webapp:$(TAG) $(LABEL_ARGS) .

image-%:
	$(DOCKER) build -f $(PY_DOCKERFILE) --build-arg PACKAGE=movieweb-$* $(build_args_$*) \
	  --build-arg DESCRIPTION="$(description_$*)" -t $(REGISTRY)/$*:$(TAG) $(LABEL_ARGS) .

kind-load: ## Load the built images into the kind nodes
	$(KIND) load docker-image --name $(CLUSTER) $(foreach i,$(IMAGES),$(REGISTRY)/$(i):$(TAG))

crds: ## Apply (or upgrade) the chart's CRDs: helm installs crds/ once and never upgrades them
	$(KUBECTL) --context kind-$(CLUSTER) apply --server-side -f charts/movieweb/crds/

dev-cert: ## Self-signed certificate for movieweb.local and api.movieweb.local as a TLS Secret
	scripts/k8s/dev-cert.sh $(NAMESPACE) movieweb-tls

deploy: crds dev-cert ## Install or upgrade the chart with the local images
	$(HELM) $(KCTX) upgrade --install $(RELEASE) charts/movieweb -n $(NAMESPACE) --create-namespace \
	  -f k8s/dev-values.yaml --set image.tag=$(TAG) --wait --timeout 10m
	@echo; echo "https://movieweb.local and https://api.movieweb.local (make hosts shows the /etc/hosts line)"

deploy-gateway-api: crds dev-cert ## Like deploy, routed by Gateway API + NGINX Gateway Fabric (https://movieweb.local:8443)
	$(HELM) $(KCTX) upgrade --install $(RELEASE) charts/movieweb -n $(NAMESPACE) --create-namespace \
	  -f k8s/dev-values.yaml -f charts/movieweb/ci/gateway-api-values.yaml --set image.tag=$(TAG) --wait --timeout 10m

helm-test: ## Run the chart's `helm test` (calls the API's health through the gateway)
	$(HELM) $(KCTX) test $(RELEASE) -n $(NAMESPACE) --logs

undeploy: ## Uninstall the release (ShardSet volumes follow their reclaimPolicy)
	$(HELM) $(KCTX) uninstall $(RELEASE) -n $(NAMESPACE) --wait

hosts: ## Print the /etc/hosts line for the two hosts
	@echo "127.0.0.1 movieweb.local api.movieweb.local"

kind-down: ## Delete the kind cluster
	$(KIND) delete cluster --name $(CLUSTER)

tilt: crds dev-cert ## Hot-reload development loop on the kind cluster (Tiltfile)
	tilt up --context kind-$(CLUSTER)

test-k8s: tools ## Chart tests: lint, policies, server-side validation and install on a real kube-apiserver
	uv run --frozen pytest tests/k8s -q

lint-chart: tools ## helm lint --strict on every value set
	@for f in charts/movieweb/ci/*-values.yaml; do echo "== $$f"; bin/helm lint --strict charts/movieweb -f $$f || exit 1; done

template: tools ## Render the chart with the default values to stdout
	@bin/helm template $(RELEASE) charts/movieweb -n $(NAMESPACE)

dashboard: ## Regenerate the Grafana dashboard JSON from scripts/k8s/gen_dashboard.py
	python3 scripts/k8s/gen_dashboard.py
