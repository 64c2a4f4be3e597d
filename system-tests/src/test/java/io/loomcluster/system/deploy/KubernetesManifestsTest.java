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
            "PodDisruptionBudget", PodDisruptionBudget.class, "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

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
        assertThat(readNames("app/src/main/java/io/loomcluster/app/config/AppConfig.java")).containsAll(keys);
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

    /** Every variable the app reads: its own settings, the jobs' and the webhooks'. */
    private static Set<String> appReads() throws IOException {
        Set<String> names = new HashSet<>(readNames("app/src/main/java/io/loomcluster/app/config/AppConfig.java"));
        names.addAll(readNames("app/src/main/java/io/loomcluster/app/jobs/JobsConfig.java"));
        names.addAll(readNames("app/src/main/java/io/loomcluster/app/webhooks/WebhookConfig.java"));
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
