package io.loomcluster.system.deploy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;

import java.util.List;
import java.util.Map;

/**
 * networking.k8s.io/v1 NetworkPolicy for {@link KubernetesManifestsTest}: fabric8's networking model
 * is not among the offline dependencies, so this holds the API's fields (selectors are fabric8's own)
 * and Jackson, failing on unknown properties, refuses any other.
 */
@Group("networking.k8s.io")
@Version("v1")
public final class NetworkPolicy implements HasMetadata {
    private String apiVersion;
    private String kind;
    private ObjectMeta metadata;
    private Spec spec;

    public record Spec(LabelSelector podSelector, List<String> policyTypes, List<IngressRule> ingress,
                       List<EgressRule> egress) {
        public List<IngressRule> ingress() {
            return ingress == null ? List.of() : ingress;
        }

        public List<EgressRule> egress() {
            return egress == null ? List.of() : egress;
        }
    }

    /** No {@code from}: from anywhere. */
    public record IngressRule(List<Peer> from, List<Port> ports) {
    }

    /** No {@code to}: to anywhere. */
    public record EgressRule(List<Peer> to, List<Port> ports) {
    }

    public record Peer(LabelSelector podSelector, LabelSelector namespaceSelector, IpBlock ipBlock) {
    }

    public record IpBlock(String cidr, List<String> except) {
    }

    public record Port(String protocol, IntOrString port, Integer endPort) {
        public String protocolOrDefault() {
            return protocol == null ? "TCP" : protocol;
        }
    }

    /** Whether {@code selector} (matchLabels and matchExpressions; null or empty: everything) selects {@code labels}. */
    public static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        if (selector.getMatchLabels() != null && !labels.entrySet().containsAll(selector.getMatchLabels().entrySet())) {
            return false;
        }
        for (LabelSelectorRequirement r : selector.getMatchExpressions() == null
                ? List.<LabelSelectorRequirement>of() : selector.getMatchExpressions()) {
            String value = labels.get(r.getKey());
            boolean ok = switch (r.getOperator()) {
                case "In" -> value != null && r.getValues().contains(value);
                case "NotIn" -> value == null || !r.getValues().contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> throw new AssertionError("unknown selector operator " + r.getOperator());
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public void setMetadata(ObjectMeta metadata) {
        this.metadata = metadata;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    @Override
    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    public Spec getSpec() {
        return spec;
    }

    public void setSpec(Spec spec) {
        this.spec = spec;
    }
}
