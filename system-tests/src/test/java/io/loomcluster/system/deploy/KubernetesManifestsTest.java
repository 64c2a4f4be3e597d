package io.loomcluster.system.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes manifests, checked without a cluster: every object of the base and the overlays
 * parses into the Kubernetes API model with no field the model does not know (a typo such as
 * {@code readinessProbes} would be silently ignored by a lenient reader), and what the objects say
 * agrees with what the app and the balancer actually read: the variables named in their config
 * classes, the health routes in their code, the ports, the drain timings.
 */
class KubernetesManifestsTest {
    private static final Path ROOT = Path.of(System.getProperty("loom.root", ".."));
    private static final Path MANIFESTS = ROOT.resolve("deploy/kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A variable read through the shared settings grammar: {@code e.duration("NAME", ...)} or {@code jdbcUrl(e, "NAME")}. */
    private static final Pattern ENV_READ = Pattern.compile("(?:\\b(?:e|env)\\.\\w+\\(|\\b\\w+\\((?:e|env), )\"([A-Z][A-Z0-9_]*)\"");
    private static final Pattern ROUTE = Pattern.compile("\\.(?:get|route)\\(\"(/health/[a-z]+)\"");

    /** The kinds the manifests use, each with the model class (and so the apiVersion) it must match. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Namespace", Namespace.class, "ConfigMap", ConfigMap.class, "Service", Service.class,
            "Deployment", Deployment.class, "StatefulSet", StatefulSet.class,
            "PodDisruptionBudget", PodDisruptionBudget.class, "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "NetworkPolicy", NetworkPolicy.class);
    private static final Map<String, String> MONITORING = Map.of("loom.io/monitoring", "true");

    private static final Map<Path, List<HasMetadata>> objects = new HashMap<>();

    @BeforeAll
    static void parseEveryManifest() throws IOException {
        try (Stream<Path> files = Files.walk(MANIFESTS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                if (!file.getFileName().toString().equals("kustomization.yaml")) {
                    objects.put(file, parse(file));
                }
            }
        }
    }

    @Test
    void everyManifestIsKnownToTheKubernetesModelWithNoUnknownField() {
        assertThat(objects).isNotEmpty();
        objects.forEach((file, parsed) -> {
            assertThat(parsed).as(file.toString()).isNotEmpty();
            parsed.forEach(o -> assertThat(unknownFields(o, "")).as("%s: %s", file, o.getKind()).isEmpty());
        });
    }

    @Test
    void everyKustomizationNamesFilesThatExist() throws IOException {
        try (Stream<Path> files = Files.walk(MANIFESTS)) {
            for (Path kustomization : files.filter(f -> f.getFileName().toString().equals("kustomization.yaml")).toList()) {
                JsonNode k = YAML.readTree(kustomization.toFile());
                List<String> paths = new ArrayList<>();
                k.path("resources").forEach(r -> paths.add(r.asText()));
                k.path("patches").forEach(p -> {
                    if (p.has("path")) {
                        paths.add(p.path("path").asText());
                    }
                });
                assertThat(paths).as(kustomization.toString()).isNotEmpty();
                for (String path : paths) {
                    assertThat(kustomization.getParent().resolve(path)).as("%s names %s", kustomization, path).exists();
                }
            }
        }
    }

    @Test
    void theAppsVariablesAreOnesTheAppReadsAndItsProbesFitItsHealthSemantics() throws IOException {
        Deployment app = deployment("loom-app");
        Container container = app.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Map<String, String> env = environment(container, "DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD", "REDIS_URL");
        Set<String> read = appReads();

        assertThat(read).contains("PORT", "SHUTDOWN_DRAIN_DELAY", "DATABASE_URL", "ROLE");
        assertThat(env.get("ROLE")).as("jobs run in their own Deployment").isEqualTo("api");
        assertThat(env.keySet()).allSatisfy(name -> assertThat(read.contains(name) || name.startsWith("OTEL_")
                || referenced(container, name)).as("%s is read by the app", name).isTrue());
        int port = Integer.parseInt(env.get("PORT"));
        assertThat(portNamed(container, "http").getContainerPort()).isEqualTo(port);

        Set<String> routes = routes("app/src/main/java/io/loomcluster/app/health/HealthRoutes.java");
        assertThat(path(container.getLivenessProbe())).isEqualTo("/health/live").isIn(routes);
        assertThat(path(container.getStartupProbe())).as("startup never waits on PostgreSQL").isEqualTo("/health/live");
        assertThat(path(container.getReadinessProbe())).isEqualTo("/health/ready").isIn(routes);
        for (Probe probe : List.of(container.getLivenessProbe(), container.getReadinessProbe(), container.getStartupProbe())) {
            assertThat(portNamed(container, probe.getHttpGet().getPort().getStrVal())).isNotNull();
        }

        long preStop = Long.parseLong(container.getLifecycle().getPreStop().getExec().getCommand().get(1));
        long drain = seconds(env.get("SHUTDOWN_DRAIN_DELAY"));
        long timeout = seconds(env.get("SHUTDOWN_TIMEOUT"));
        assertThat(preStop).as("preStop matches SHUTDOWN_DRAIN_DELAY").isEqualTo(drain);
        assertThat(app.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
                .isGreaterThan(preStop + drain + timeout);
        assertSecure(app.getSpec().getTemplate().getSpec(), container);
        assertThat(container.getResources().getLimits().get("memory"))
                .as("the heap is a share of the limit: requests and limits agree")
                .isEqualTo(container.getResources().getRequests().get("memory"));
    }

    @Test
    void theWorkersRunTheAppAsWorkerOnlyAreScrapedButNotBalancedAndDrainBeforeSigkill() throws IOException {
        Deployment workers = deployment("loom-workers");
        PodSpec pod = workers.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().getFirst();
        Map<String, String> env = environment(container, "DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD", "REDIS_URL");
        Set<String> read = appReads();
        assertThat(env.keySet()).allSatisfy(name -> assertThat(read.contains(name) || name.startsWith("OTEL_")
                || referenced(container, name)).as("%s is read by the app", name).isTrue());
        assertThat(env.get("ROLE")).isEqualTo("worker");
        assertThat(container.getImage()).isEqualTo(deployment("loom-app").getSpec().getTemplate().getSpec()
                .getContainers().getFirst().getImage());

        Set<String> routes = routes("app/src/main/java/io/loomcluster/app/health/HealthRoutes.java");
        assertThat(path(container.getLivenessProbe())).isEqualTo("/health/live").isIn(routes);
        assertThat(path(container.getStartupProbe())).isEqualTo("/health/live");
        assertThat(portNamed(container, "http").getContainerPort()).isEqualTo(Integer.parseInt(env.get("PORT")));
        assertThat(pod.getTerminationGracePeriodSeconds()).as("running jobs get SHUTDOWN_TIMEOUT before SIGKILL")
                .isGreaterThan(seconds(env.get("SHUTDOWN_DRAIN_DELAY")) + seconds(env.get("SHUTDOWN_TIMEOUT")));

        Map<String, String> labels = workers.getSpec().getTemplate().getMetadata().getLabels();
        for (HasMetadata o : objects.values().stream().flatMap(List::stream).toList()) {
            if (o instanceof Service service && service.getSpec().getSelector() != null
                    && labels.entrySet().containsAll(service.getSpec().getSelector().entrySet())) {
                assertThat(service.getMetadata().getName()).as("only the headless metrics Service selects workers")
                        .isEqualTo("loom-workers-instances");
                assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
                assertThat(service.getSpec().getPorts().getFirst().getPort())
                        .isEqualTo(portNamed(container, "http").getContainerPort());
            }
        }
        assertThat(Files.readString(ROOT.resolve("deploy/prometheus/prometheus.yml")))
                .as("Prometheus scrapes the workers").contains("loom-workers-instances.loom.svc.cluster.local");
        assertSecure(pod, container);
        assertThat(container.getResources().getLimits().get("memory"))
                .isEqualTo(container.getResources().getRequests().get("memory"));
    }

    @Test
    void theBalancerDiscoversTheInstancesThroughAHeadlessServiceOnTheirPort() throws IOException {
        Deployment balancer = deployment("loom-balancer");
        Container container = balancer.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Map<String, String> env = environment(container);
        Set<String> read = readNames("loadbalancer/src/main/java/io/loomcluster/lb/config/LbConfig.java");
        assertThat(env.keySet()).allSatisfy(name -> assertThat(read.contains(name) || name.startsWith("OTEL_"))
                .as("%s is read by the balancer", name).isTrue());

        String[] discovery = env.get("LB_DISCOVERY").split(":");
        assertThat(discovery[0]).isEqualTo("dns");
        Service headless = (Service) object("Service", discovery[1]);
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        Deployment app = deployment("loom-app");
        assertThat(app.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(headless.getSpec().getSelector());
        int appPort = portNamed(app.getSpec().getTemplate().getSpec().getContainers().getFirst(), "http").getContainerPort();
        assertThat(Integer.parseInt(discovery[2])).isEqualTo(appPort);
        assertThat(headless.getSpec().getPorts().getFirst().getPort()).isEqualTo(appPort);

        assertThat(portNamed(container, "http").getContainerPort()).isEqualTo(Integer.parseInt(env.get("LB_PORT")));
        assertThat(portNamed(container, "admin").getContainerPort()).isEqualTo(Integer.parseInt(env.get("LB_ADMIN_PORT")));
        Set<String> adminRoutes = routes("loadbalancer/src/main/java/io/loomcluster/lb/LoadBalancer.java");
        assertThat(path(container.getLivenessProbe())).isIn(adminRoutes);
        assertThat(path(container.getReadinessProbe())).isIn(adminRoutes);
        assertSecure(balancer.getSpec().getTemplate().getSpec(), container);

        Service front = (Service) object("Service", "loom");
        assertThat(front.getSpec().getPorts()).noneMatch(p -> p.getTargetPort().getStrVal().equals("admin"));
    }

    @Test
    void theAppHasADisruptionBudgetAndAnAutoscalerAimedAtIt() {
        PodDisruptionBudget budget = (PodDisruptionBudget) object("PodDisruptionBudget", "loom-app");
        Deployment app = deployment("loom-app");
        assertThat(app.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
        HorizontalPodAutoscaler hpa = (HorizontalPodAutoscaler) object("HorizontalPodAutoscaler", "loom-app");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("loom-app");
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThan(budget.getSpec().getMaxUnavailable().getIntVal());
        assertThat(app.getSpec().getTemplate().getSpec().getContainers().getFirst().getResources().getRequests())
                .as("CPU utilisation needs a CPU request").containsKey("cpu");
    }

    @Test
    void theDevOverlaysSecretNamesEveryServiceTheAppNeeds() throws IOException {
        JsonNode dev = YAML.readTree(MANIFESTS.resolve("overlays/dev/kustomization.yaml").toFile());
        Set<String> keys = new HashSet<>();
        for (JsonNode generator : dev.path("secretGenerator")) {
            if (generator.path("name").asText().equals("loom-services")) {
                generator.path("literals").forEach(l -> keys.add(l.asText().substring(0, l.asText().indexOf('='))));
            }
        }
        assertThat(keys).containsExactlyInAnyOrder("DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD", "REDIS_URL");
        assertThat(appReads()).containsAll(keys);
    }

    @Test
    void ingressIsDeniedByDefaultAndEveryComponentHasANetworkPolicyOfItsOwn() {
        NetworkPolicy deny = policy("loom-default-deny-ingress");
        assertThat(deny.getSpec().podSelector().getMatchLabels()).as("selects every pod").isNullOrEmpty();
        assertThat(deny.getSpec().podSelector().getMatchExpressions()).isNullOrEmpty();
        assertThat(deny.getSpec().policyTypes()).containsExactly("Ingress");
        assertThat(deny.getSpec().ingress()).isEmpty();

        List<HasMetadata> workloads = all().filter(o -> o instanceof Deployment || o instanceof StatefulSet).toList();
        assertThat(workloads).hasSizeGreaterThanOrEqualTo(5);
        for (HasMetadata workload : workloads) {
            PodTemplateSpec pod = template(workload);
            NetworkPolicy own = policySelecting(pod.getMetadata().getLabels());
            Container container = pod.getSpec().getContainers().getFirst();
            for (NetworkPolicy.IngressRule rule : own.getSpec().ingress()) {
                assertThat(rule.ports()).as("%s: a rule names its ports", own.getMetadata().getName()).isNotEmpty();
                rule.ports().forEach(port -> assertThat(container.getPorts()).as("%s: port %s is the pod's",
                        own.getMetadata().getName(), port.port()).anyMatch(p -> port.port().getStrVal() != null
                        ? port.port().getStrVal().equals(p.getName()) : port.port().getIntVal().equals(p.getContainerPort())));
            }
            if (own.getSpec().policyTypes().contains("Egress")) {
                assertThat(own.getSpec().egress()).as("%s: restricted egress still resolves names", own.getMetadata().getName())
                        .anySatisfy(rule -> assertThat(rule.ports()).extracting(p -> p.port().getIntVal() + "/" + p.protocolOrDefault())
                                .contains("53/UDP", "53/TCP"));
            }
        }
    }

    @Test
    void onlyTheBalancerReachesTheInstancesAndOnlyMonitoringReachesAdminPortsAndMetrics() throws IOException {
        Map<String, String> balancer = labels(deployment("loom-balancer"));
        Map<String, String> app = labels(deployment("loom-app"));
        Map<String, String> workers = labels(deployment("loom-workers"));

        List<NetworkPolicy.IngressRule> front = policySelecting(balancer).getSpec().ingress();
        assertThat(front).filteredOn(rule -> rule.from() == null || rule.from().isEmpty())
                .as("only the public port is open to all").singleElement()
                .satisfies(rule -> assertThat(portNames(rule)).containsExactly("http"));
        assertThat(front).filteredOn(rule -> portNames(rule).contains("admin")).isNotEmpty()
                .allSatisfy(rule -> assertThat(rule.from()).isNotEmpty().allMatch(KubernetesManifestsTest::isMonitoring));
        assertThat(Files.readString(ROOT.resolve("loadbalancer/src/main/java/io/loomcluster/lb/config/LbConfig.java")))
                .as("the admin port is on loopback unless LB_ADMIN_HOST says otherwise")
                .contains("env.string(\"LB_ADMIN_HOST\", \"127.0.0.1\")");

        for (NetworkPolicy.IngressRule rule : policySelecting(app).getSpec().ingress()) {
            assertThat(rule.from()).as("the instances are never open to all").isNotEmpty().allSatisfy(peer ->
                    assertThat(isMonitoring(peer) || (peer.namespaceSelector() == null && peer.ipBlock() == null
                            && NetworkPolicy.selects(peer.podSelector(), balancer)
                            && !NetworkPolicy.selects(peer.podSelector(), app)
                            && !NetworkPolicy.selects(peer.podSelector(), workers)))
                            .as("%s is the balancer or monitoring", peer).isTrue());
        }
        for (NetworkPolicy.IngressRule rule : policySelecting(workers).getSpec().ingress()) {
            assertThat(rule.from()).isNotEmpty().allMatch(KubernetesManifestsTest::isMonitoring);
        }
    }

    @Test
    void onlyTheAppAndTheWorkersReachPostgresAndRedis() {
        Map<String, String> balancer = labels(deployment("loom-balancer"));
        Map<String, String> app = labels(deployment("loom-app"));
        Map<String, String> workers = labels(deployment("loom-workers"));
        for (String name : List.of("loom-postgres", "loom-redis", "loom-redis-ha", "loom-redis-sentinel")) {
            List<NetworkPolicy.Peer> peers = new ArrayList<>();
            for (NetworkPolicy.IngressRule rule : policySelecting(labels(anywhere("StatefulSet", name))).getSpec().ingress()) {
                assertThat(rule.from()).as("%s is never open to all", name).isNotEmpty();
                peers.addAll(rule.from());
            }
            assertThat(peers).as(name).allSatisfy(peer -> {
                assertThat(peer.namespaceSelector()).isNull();
                assertThat(peer.ipBlock()).isNull();
                assertThat(NetworkPolicy.selects(peer.podSelector(), balancer)).as("the balancer reaches %s", name).isFalse();
            });
            assertThat(peers).anyMatch(peer -> NetworkPolicy.selects(peer.podSelector(), app))
                    .anyMatch(peer -> NetworkPolicy.selects(peer.podSelector(), workers));
        }
    }

    @Test
    void redisRequiresAPasswordFromASecretAndEveryRedisUrlCarriesIt() throws IOException {
        Container redis = template(anywhere("StatefulSet", "loom-redis")).getSpec().getContainers().getFirst();
        String reference = redis.getArgs().get(redis.getArgs().indexOf("--requirepass") + 1);
        Matcher variable = Pattern.compile("\\$\\((\\w+)\\)").matcher(reference);
        assertThat(variable.matches()).as("requirepass is a variable, not a literal: %s", reference).isTrue();
        SecretKeySelector key = redis.getEnv().stream().filter(v -> v.getName().equals(variable.group(1))).findFirst()
                .orElseThrow().getValueFrom().getSecretKeyRef();
        String password = devSecret(key.getName()).get(key.getKey());
        assertThat(password).as("the Secret %s has %s", key.getName(), key.getKey()).isNotBlank();
        assertThat(URI.create(devSecret("loom-services").get("REDIS_URL")).getUserInfo())
                .as("REDIS_URL authenticates with that password").isIn(":" + password, "default:" + password);
        for (String name : List.of("loom-app", "loom-workers")) {
            assertThat(deployment(name).getSpec().getTemplate().getSpec().getContainers().getFirst().getEnvFrom())
                    .as("%s reads REDIS_URL from the Secret", name)
                    .anyMatch(from -> from.getSecretRef() != null && from.getSecretRef().getName().equals("loom-services"));
        }
        assertThat(Files.readString(MANIFESTS.resolve("overlays/production/kustomization.yaml")))
                .as("production's Secret example carries the servers' and the sentinels' passwords")
                .contains("--from-literal=REDIS_PASSWORD=", "--from-literal=REDIS_SENTINEL_PASSWORD=");

        JsonNode compose = YAML.readTree(ROOT.resolve("compose.yaml").toFile());
        List<String> command = new ArrayList<>();
        compose.at("/services/redis/command").forEach(c -> command.add(c.asText()));
        String secret = command.get(command.indexOf("--requirepass") + 1);
        assertThat(secret).as("compose's Redis password comes from the environment").startsWith("${REDIS_PASSWORD");
        List<String> urls = new ArrayList<>();
        compose.path("services").forEach(service -> {
            if (service.at("/environment/REDIS_URL").isTextual()) {
                urls.add(service.at("/environment/REDIS_URL").asText());
            }
        });
        assertThat(urls).as("app, worker, loadbalancer").hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(url -> assertThat(url).isEqualTo("redis://:" + secret + "@redis:6379"));
    }

    /**
     * Production's Redis is a master and a replica watched by sentinels: the app and the workers are
     * pointed at every sentinel pod by its stable name and port, under the master name the sentinels
     * monitor, with a quorum that is a majority, and every password comes from the Secret they load,
     * under the names the code reads.
     */
    @Test
    void productionFindsRedisThroughEverySentinelUnderTheNamesTheCodeReads() throws IOException {
        Set<String> redisReads = readNames("contract/src/main/java/io/loomcluster/contract/RedisTarget.java");
        assertThat(redisReads).contains("REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_PASSWORD", "REDIS_SENTINEL_PASSWORD");
        Path production = MANIFESTS.resolve("overlays/production");
        ConfigMap config = (ConfigMap) objects.get(production.resolve("redis-sentinels.yaml")).getFirst();
        assertThat(config.getMetadata().getName()).as("patches what the app and the workers load").isEqualTo("loom-app");
        assertThat(config.getData().keySet()).allSatisfy(name -> assertThat(redisReads).as("%s is read", name).contains(name));
        assertThat(YAML.readTree(production.resolve("kustomization.yaml").toFile()).path("patches").findValuesAsText("path"))
                .contains("redis-sentinels.yaml");

        StatefulSet sentinels = (StatefulSet) anywhere("StatefulSet", "loom-redis-sentinel");
        Container sentinel = template(sentinels).getSpec().getContainers().getFirst();
        Service sentinelService = (Service) anywhere("Service", sentinels.getSpec().getServiceName());
        assertThat(sentinelService.getSpec().getClusterIP()).as("one DNS name per sentinel pod").isEqualTo("None");
        assertThat(labels(sentinels)).containsAllEntriesOf(sentinelService.getSpec().getSelector());
        int sentinelPort = portNamed(sentinel, "sentinel").getContainerPort();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < sentinels.getSpec().getReplicas(); i++) {
            expected.add(sentinels.getMetadata().getName() + "-" + i + "." + sentinelService.getMetadata().getName() + ":" + sentinelPort);
        }
        assertThat(config.getData().get("REDIS_SENTINELS").split(",")).containsExactlyElementsOf(expected);

        String master = config.getData().get("REDIS_SENTINEL_MASTER");
        StatefulSet servers = (StatefulSet) anywhere("StatefulSet", "loom-redis-ha");
        Container server = template(servers).getSpec().getContainers().getFirst();
        int redisPort = portNamed(server, "redis").getContainerPort();
        Matcher monitor = Pattern.compile("sentinel monitor (\\S+) \\S+ (\\d+) (\\d+)").matcher(String.join(" ", sentinel.getArgs()));
        assertThat(monitor.find()).as("the sentinels monitor a master").isTrue();
        assertThat(monitor.group(1)).as("REDIS_SENTINEL_MASTER is the name the sentinels monitor").isEqualTo(master);
        assertThat(Integer.parseInt(monitor.group(2))).isEqualTo(redisPort);
        assertThat(Integer.parseInt(monitor.group(3))).as("the quorum is a majority of the sentinels")
                .isEqualTo(sentinels.getSpec().getReplicas() / 2 + 1);
        assertThat(sentinels.getSpec().getReplicas()).as("an odd number of sentinels, at least 3").isGreaterThanOrEqualTo(3).isOdd();
        assertThat(servers.getSpec().getReplicas()).as("a master and at least one replica").isGreaterThanOrEqualTo(2);
        for (Container c : List.of(server, sentinel)) {
            assertThat(String.join(" ", c.getArgs())).as("%s asks the sentinels for master %s", c.getName(), master)
                    .contains("get-master-addr-by-name " + master, "-p " + sentinelPort);
        }

        String serverScript = String.join(" ", server.getArgs());
        String sentinelScript = String.join(" ", sentinel.getArgs());
        assertThat(serverScript).as("the servers require REDIS_PASSWORD, which the app gives the master")
                .contains("--requirepass \"$REDIS_PASSWORD\"", "--masterauth \"$REDIS_PASSWORD\"");
        assertThat(sentinelScript).as("the sentinels require REDIS_SENTINEL_PASSWORD and log in to the servers")
                .contains("requirepass $REDIS_SENTINEL_PASSWORD", "sentinel auth-pass " + master + " $REDIS_PASSWORD");
        for (Container c : List.of(server, sentinel)) {
            for (EnvVar var : c.getEnv()) {
                SecretKeySelector key = var.getValueFrom().getSecretKeyRef();
                assertThat(key.getName()).as("%s: %s comes from the Secret the app loads", c.getName(), var.getName())
                        .isEqualTo("loom-services");
                assertThat(key.getKey()).isIn("REDIS_PASSWORD", "REDIS_SENTINEL_PASSWORD");
            }
        }
        for (String name : List.of("loom-app", "loom-workers")) {
            assertThat(deployment(name).getSpec().getTemplate().getSpec().getContainers().getFirst().getEnvFrom())
                    .as("%s loads the Secret with the Redis passwords", name)
                    .anyMatch(from -> from.getSecretRef() != null && from.getSecretRef().getName().equals("loom-services"));
        }
    }

    @Test
    void theAppTrustsForwardedAddressesFromThePodNetworkOnlyNotAllOfRfc1918() throws IOException {
        List<String> values = all().filter(o -> o instanceof ConfigMap map && map.getMetadata().getName().equals("loom-app"))
                .map(o -> ((ConfigMap) o).getData().get("TRUSTED_PROXIES")).filter(v -> v != null).toList();
        assertThat(values).as("the base sets it").isNotEmpty();
        for (String value : values) {
            for (String range : value.split(",")) {
                String cidr = range.trim();
                assertThat(cidr).isNotIn("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7");
                int prefix = Integer.parseInt(cidr.substring(cidr.indexOf('/') + 1));
                assertThat(prefix).as("%s is a pod network, not a private block", cidr).isGreaterThanOrEqualTo(cidr.contains(":") ? 48 : 14);
            }
        }

        JsonNode compose = YAML.readTree(ROOT.resolve("compose.yaml").toFile());
        String subnet = compose.at("/networks/default/ipam/config/0/subnet").asText();
        assertThat(subnet).as("compose pins its network's subnet").isNotBlank();
        assertThat(compose.at("/services/app/environment/TRUSTED_PROXIES").asText()).isEqualTo(subnet);
    }

    // ---- reading

    private static List<HasMetadata> parse(Path file) throws IOException {
        List<HasMetadata> result = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
            for (var docs = YAML.readValues(parser, JsonNode.class); docs.hasNext(); ) {
                JsonNode doc = docs.next();
                if (doc == null || doc.isNull() || doc.isEmpty()) {
                    continue;
                }
                String kind = doc.path("kind").asText();
                Class<? extends HasMetadata> type = KINDS.get(kind);
                assertThat(type).as("%s: kind %s is one the manifests use", file, kind).isNotNull();
                assertThat(doc.path("apiVersion").asText()).as("%s: apiVersion of %s", file, kind)
                        .isEqualTo(HasMetadata.getApiVersion(type));
                result.add(JSON.treeToValue(doc, type));
            }
        }
        return result;
    }

    /** Paths of fields the model did not know, collected from every model object's additionalProperties. */
    private static List<String> unknownFields(Object node, String at) {
        List<String> found = new ArrayList<>();
        walk(node, at, found, new IdentityHashMap<>());
        return found;
    }

    private static void walk(Object node, String at, List<String> found, IdentityHashMap<Object, Boolean> seen) {
        if (node == null || seen.put(node, true) != null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, at + "[" + i++ + "]", found, seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, at + "." + k, found, seen));
            return;
        }
        if (node instanceof NetworkPolicy policy) {
            walk(policy.getMetadata(), at + ".Metadata", found, seen);
            walk(policy.getSpec(), at + ".Spec", found, seen);
            return;
        }
        if (node instanceof Record record) {
            for (var component : record.getClass().getRecordComponents()) {
                try {
                    walk(component.getAccessor().invoke(record), at + "." + component.getName(), found, seen);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            try {
                Object value = getter.invoke(node);
                if (getter.getName().equals("getAdditionalProperties")) {
                    if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        extra.keySet().forEach(k -> found.add(at + "." + k));
                    }
                } else {
                    walk(value, at + "." + getter.getName().substring(3), found, seen);
                }
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static Stream<HasMetadata> all() {
        return objects.values().stream().flatMap(List::stream);
    }

    /** An object of the base or an overlay (names are unique across them). */
    private static HasMetadata anywhere(String kind, String name) {
        return all().filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static NetworkPolicy policy(String name) {
        return (NetworkPolicy) anywhere("NetworkPolicy", name);
    }

    /** The one NetworkPolicy, besides the default deny, that selects pods with these labels. */
    private static NetworkPolicy policySelecting(Map<String, String> labels) {
        List<NetworkPolicy> found = all().filter(o -> o instanceof NetworkPolicy).map(o -> (NetworkPolicy) o)
                .filter(p -> !p.getMetadata().getName().equals("loom-default-deny-ingress"))
                .filter(p -> NetworkPolicy.selects(p.getSpec().podSelector(), labels)).toList();
        assertThat(found).as("the NetworkPolicy of pods %s", labels).hasSize(1);
        return found.getFirst();
    }

    private static boolean isMonitoring(NetworkPolicy.Peer peer) {
        return peer.podSelector() == null && peer.ipBlock() == null && peer.namespaceSelector() != null
                && MONITORING.equals(peer.namespaceSelector().getMatchLabels())
                && (peer.namespaceSelector().getMatchExpressions() == null || peer.namespaceSelector().getMatchExpressions().isEmpty());
    }

    private static List<String> portNames(NetworkPolicy.IngressRule rule) {
        return rule.ports().stream().map(p -> p.port().getStrVal() != null ? p.port().getStrVal() : String.valueOf(p.port().getIntVal())).toList();
    }

    private static PodTemplateSpec template(HasMetadata workload) {
        return switch (workload) {
            case Deployment d -> d.getSpec().getTemplate();
            case StatefulSet s -> s.getSpec().getTemplate();
            default -> throw new AssertionError(workload.getKind() + " has no pod template");
        };
    }

    private static Map<String, String> labels(HasMetadata workload) {
        return template(workload).getMetadata().getLabels();
    }

    /** A Secret of the dev overlay's secretGenerator, its literals as a map. */
    private static Map<String, String> devSecret(String name) throws IOException {
        Map<String, String> values = new HashMap<>();
        for (JsonNode generator : YAML.readTree(MANIFESTS.resolve("overlays/dev/kustomization.yaml").toFile()).path("secretGenerator")) {
            if (generator.path("name").asText().equals(name)) {
                generator.path("literals").forEach(l -> {
                    String literal = l.asText();
                    values.put(literal.substring(0, literal.indexOf('=')), literal.substring(literal.indexOf('=') + 1));
                });
            }
        }
        return values;
    }

    private static HasMetadata object(String kind, String name) {
        return objects.entrySet().stream()
                .filter(e -> e.getKey().startsWith(MANIFESTS.resolve("base")))
                .flatMap(e -> e.getValue().stream())
                .filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the base"));
    }

    private static Deployment deployment(String name) {
        return (Deployment) object("Deployment", name);
    }

    /** The container's variables: its own and those of the ConfigMaps it loads; Secret keys as given. */
    private static Map<String, String> environment(Container container, String... secretKeys) {
        Map<String, String> env = new HashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            if (from.getConfigMapRef() != null) {
                ((ConfigMap) object("ConfigMap", from.getConfigMapRef().getName())).getData().forEach(env::put);
            }
        }
        for (String key : secretKeys) {
            env.put(key, null);
        }
        for (EnvVar var : container.getEnv()) {
            env.put(var.getName(), var.getValue());
        }
        return env;
    }

    /** A variable set only to be substituted into another ({@code $(POD_IP)}). */
    private static boolean referenced(Container container, String name) {
        return container.getEnv().stream().anyMatch(v -> v.getValue() != null && v.getValue().contains("$(" + name + ")"));
    }

    /** Every variable the app reads: its own settings, its roles and abuse limits, the jobs', the webhooks' and where Redis is. */
    private static Set<String> appReads() throws IOException {
        Set<String> names = new HashSet<>(readNames("app/src/main/java/io/loomcluster/app/config/AppConfig.java"));
        names.addAll(readNames("app/src/main/java/io/loomcluster/app/jobs/JobsConfig.java"));
        names.addAll(readNames("app/src/main/java/io/loomcluster/app/config/Roles.java"));
        names.addAll(readNames("app/src/main/java/io/loomcluster/app/config/AbuseLimits.java"));
        names.addAll(readNames("app/src/main/java/io/loomcluster/app/webhooks/WebhookConfig.java"));
        names.addAll(readNames("contract/src/main/java/io/loomcluster/contract/RedisTarget.java"));
        return names;
    }

    private static Set<String> readNames(String source) throws IOException {
        Set<String> names = new HashSet<>();
        Matcher m = ENV_READ.matcher(Files.readString(ROOT.resolve(source)));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static Set<String> routes(String source) throws IOException {
        Set<String> routes = new HashSet<>();
        Matcher m = ROUTE.matcher(Files.readString(ROOT.resolve(source)));
        while (m.find()) {
            routes.add(m.group(1));
        }
        return routes;
    }

    private static ContainerPort portNamed(Container container, String name) {
        return container.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no port named " + name));
    }

    private static String path(Probe probe) {
        return probe.getHttpGet().getPath();
    }

    private static long seconds(String duration) {
        return Duration.parse("PT" + duration.toUpperCase()).toSeconds();
    }

    private static void assertSecure(PodSpec pod, Container container) {
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    }
}
