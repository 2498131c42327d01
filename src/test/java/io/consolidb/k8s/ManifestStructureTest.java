package io.consolidb.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.consolidb.testsupport.RenderedManifests;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * What a reviewer of the rendered overlays checks first: pinned image, a locked-down pod, limits,
 * probes, spread, the disruption budget under the autoscaler, only the listed ports open, and the
 * monitoring objects in step with docs/prometheus. Rendering itself (RenderedManifests) already
 * refused unknown kinds and unknown fields.
 */
class ManifestStructureTest {

  /** The peak RSS measured under the benchmark's load (docs/BENCHMARKS.md), MiB. */
  private static final long MEASURED_PEAK_RSS_MIB = 375;

  private static PodSpec pod(RenderedManifests manifests) {
    return manifests.one(Deployment.class).getSpec().getTemplate().getSpec();
  }

  private static List<Container> allContainers(PodSpec spec) {
    return Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream()).toList();
  }

  private static String projectVersion() throws IOException {
    Matcher m = Pattern.compile("<artifactId>consolidb</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(Path.of("pom.xml")));
    assertThat(m.find()).as("the project's version in pom.xml").isTrue();
    return m.group(1);
  }

  private static long mebibytes(Quantity quantity) {
    return Quantity.getAmountInBytes(quantity).longValue() >> 20;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("every container runs the project's version of the image, never latest")
  void image_pinnedToProjectVersion(String overlay) throws IOException {
    String expected = "consolidb:" + projectVersion();
    assertThat(allContainers(pod(RenderedManifests.render(overlay))))
        .allSatisfy(c -> assertThat(c.getImage()).as(c.getName()).isEqualTo(expected).doesNotEndWith(":latest"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("non-root, read-only root, no escalation, no capabilities, seccomp RuntimeDefault, no API token")
  void pod_lockedDown(String overlay) {
    RenderedManifests manifests = RenderedManifests.render(overlay);
    PodSpec spec = pod(manifests);
    assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(spec.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(spec.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    // discovery is DNS: neither the pod nor its account mounts a token, and no Role is rendered
    assertThat(spec.getAutomountServiceAccountToken()).isFalse();
    // the kubelet's per-Service variables (CONSOLIDB_PORT…) would share the node's CONSOLIDB_ prefix
    assertThat(spec.getEnableServiceLinks()).isFalse();
    ServiceAccount account = manifests.one(ServiceAccount.class);
    assertThat(account.getMetadata().getName()).isEqualTo(spec.getServiceAccountName());
    assertThat(account.getAutomountServiceAccountToken()).isFalse();
    assertThat(manifests.all()).noneSatisfy(o -> assertThat(o.getKind()).endsWith("Role"));
    for (Container container : allContainers(spec)) {
      SecurityContext context = container.getSecurityContext();
      assertThat(context.getAllowPrivilegeEscalation()).as(container.getName()).isFalse();
      assertThat(context.getReadOnlyRootFilesystem()).as(container.getName()).isTrue();
      assertThat(context.getPrivileged()).as(container.getName()).isFalse();
      assertThat(context.getCapabilities().getDrop()).as(container.getName()).containsExactly("ALL");
      assertThat(context.getCapabilities().getAdd()).as(container.getName()).isNullOrEmpty();
      // the only writable mount: /tmp, an emptyDir; every other mount is a read-only secret
      for (VolumeMount mount : container.getVolumeMounts()) {
        Volume volume = spec.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        if ("/tmp".equals(mount.getMountPath())) {
          assertThat(volume.getEmptyDir()).as("/tmp").isNotNull();
          assertThat(volume.getEmptyDir().getSizeLimit()).as("/tmp's size limit").isNotNull();
        } else {
          assertThat(mount.getReadOnly()).as(mount.getMountPath()).isTrue();
          assertThat(volume.getSecret()).as(mount.getMountPath()).isNotNull();
        }
      }
      assertThat(container.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("every container has CPU and memory limits; the node's memory fits its heap and the measured RSS")
  void resources_limitsSet(String overlay) {
    PodSpec spec = pod(RenderedManifests.render(overlay));
    for (Container container : allContainers(spec)) {
      Map<String, Quantity> limits = container.getResources().getLimits();
      Map<String, Quantity> requests = container.getResources().getRequests();
      assertThat(limits).as(container.getName()).containsKeys("cpu", "memory");
      assertThat(requests).as(container.getName()).containsKeys("cpu", "memory");
      // memory requested = limited: no overcommit, and the pod is not among the first evicted
      assertThat(requests.get("memory")).as(container.getName()).isEqualTo(limits.get("memory"));
      String jvm = container.getEnv().stream().filter(e -> "JAVA_TOOL_OPTIONS".equals(e.getName()))
          .findFirst().orElseThrow().getValue();
      Matcher heap = Pattern.compile("-Xmx(\\d+)m").matcher(jvm);
      assertThat(heap.find()).as(container.getName() + " caps its heap").isTrue();
      // beyond the heap: metaspace, code cache, thread stacks, malloc arenas
      assertThat(mebibytes(limits.get("memory"))).as(container.getName())
          .isGreaterThanOrEqualTo(Long.parseLong(heap.group(1)) * 3 / 2);
    }
    long node = mebibytes(spec.getContainers().get(0).getResources().getLimits().get("memory"));
    assertThat(node).isGreaterThan(MEASURED_PEAK_RSS_MIB * 5 / 4);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("probes: liveness and startup on the node alone, readiness on the database, on the http port")
  void probes(String overlay) {
    Container node = pod(RenderedManifests.render(overlay)).getContainers().get(0);
    assertThat(node.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
    assertThat(node.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health/live");
    assertThat(node.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
    for (var probe : List.of(node.getLivenessProbe(), node.getReadinessProbe(), node.getStartupProbe())) {
      assertThat(probe.getHttpGet().getPort()).isEqualTo(new IntOrString("http"));
    }
    // a slow start (schema checks, cluster join) gets two minutes before liveness applies
    assertThat(node.getStartupProbe().getPeriodSeconds() * node.getStartupProbe().getFailureThreshold())
        .isGreaterThanOrEqualTo(60);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("the JVM flags live in one place: -Xms first (scripts/bench.sh reads them), malloc arenas capped")
  void jvmFlags(String overlay) {
    Container node = pod(RenderedManifests.render(overlay)).getContainers().get(0);
    Map<String, String> env = node.getEnv().stream().filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(e -> e.getName(), e -> e.getValue()));
    assertThat(env.get("JAVA_TOOL_OPTIONS")).startsWith("-Xms").contains("-Xmx256m", "-XX:+ExitOnOutOfMemoryError");
    assertThat(env).containsEntry("MALLOC_ARENA_MAX", "2");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"staging", "production"})
  @DisplayName("replicas spread over nodes and zones; the autoscaler's minimum stays above the disruption budget")
  void availability(String overlay) {
    RenderedManifests manifests = RenderedManifests.render(overlay);
    Deployment deployment = manifests.one(Deployment.class);
    var spread = deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
    assertThat(spread).extracting(c -> c.getTopologyKey())
        .contains("kubernetes.io/hostname", "topology.kubernetes.io/zone");
    HorizontalPodAutoscaler hpa = manifests.one(HorizontalPodAutoscaler.class);
    PodDisruptionBudget pdb = manifests.one(PodDisruptionBudget.class);
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
    assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(pdb.getSpec().getMinAvailable().getIntVal() + 1);
    // the autoscaler owns the count: an apply that set one would undo its scaling
    assertThat(deployment.getSpec().getReplicas()).as("replicas beside an autoscaler").isNull();
    assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(hpa.getSpec().getMinReplicas());
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    assertThat(hpa.getSpec().getMetrics()).extracting(m -> m.getType()).containsExactlyInAnyOrder("Resource", "Pods");
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(0));
  }

  @Test
  @DisplayName("development: one pod, not clustered, no autoscaler and no disruption budget")
  void development_singleNode() {
    RenderedManifests manifests = RenderedManifests.render("development");
    assertThat(manifests.one(Deployment.class).getSpec().getReplicas()).isEqualTo(1);
    assertThat(manifests.one(ConfigMap.class).getData()).containsEntry("CLUSTER_ENABLED", "false");
    assertThat(manifests.all(HorizontalPodAutoscaler.class)).isEmpty();
    assertThat(manifests.all(PodDisruptionBudget.class)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("every Service's port targets a container port; the headless Service is the discovery DNS name")
  void services(String overlay) {
    RenderedManifests manifests = RenderedManifests.render(overlay);
    Container node = pod(manifests).getContainers().get(0);
    Set<String> portNames = node.getPorts().stream().map(ContainerPort::getName).collect(Collectors.toSet());
    for (Service service : manifests.all(Service.class)) {
      assertThat(service.getSpec().getPorts()).as(service.getMetadata().getName())
          .allSatisfy(p -> assertThat(portNames).contains(p.getTargetPort().getStrVal()));
    }
    Service cluster = manifests.named(Service.class, "consolidb-cluster").orElseThrow();
    assertThat(cluster.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(cluster.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(cluster.getSpec().getPorts()).extracting(ServicePort::getName).containsExactlyInAnyOrder("hazelcast", "eventbus");
    assertThat(manifests.one(ConfigMap.class).getData()).containsEntry("CLUSTER_KUBERNETES_SERVICE_DNS",
        cluster.getMetadata().getName() + "." + cluster.getMetadata().getNamespace() + ".svc.cluster.local");
    Service client = manifests.named(Service.class, "consolidb").orElseThrow();
    assertThat(client.getSpec().getPorts()).extracting(p -> p.getTargetPort().getStrVal()).containsExactly("http");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("the NetworkPolicy opens only the listed ports to the listed peers, in and out")
  void networkPolicy_onlyListedPorts(String overlay) {
    RenderedManifests manifests = RenderedManifests.render(overlay);
    NetworkPolicy policy = manifests.one(NetworkPolicy.class);
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(manifests.one(Deployment.class).getSpec().getSelector().getMatchLabels());
    assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    List<String> ingress = new ArrayList<>();
    policy.getSpec().getIngress().forEach(rule -> ingress.addAll(openings(rule.getFrom(), rule.getPorts())));
    assertThat(ingress).containsExactlyInAnyOrder(
        "pods app=consolidb -> TCP/5801", "pods app=consolidb -> TCP/5901",
        "namespaces consolidb.io/client=true -> TCP/8080",
        "namespaces kubernetes.io/metadata.name=monitoring -> TCP/9090");
    List<String> egress = new ArrayList<>();
    policy.getSpec().getEgress().forEach(rule -> egress.addAll(openings(rule.getTo(), rule.getPorts())));
    assertThat(egress).containsExactlyInAnyOrder(
        "pods app=consolidb -> TCP/5801", "pods app=consolidb -> TCP/5901",
        "anywhere -> UDP/53", "anywhere -> TCP/53", "anywhere -> TCP/5432", "anywhere -> TCP/6379");
    // the ports it opens to clients and Prometheus are the pod's http and metrics ports
    Container node = pod(manifests).getContainers().get(0);
    assertThat(node.getPorts()).extracting(ContainerPort::getContainerPort).contains(8080, 9090, 5801, 5901);
  }

  private static List<String> openings(List<NetworkPolicyPeer> peers, List<NetworkPolicyPort> ports) {
    assertThat(ports).as("a rule without ports would open every port").isNotEmpty();
    List<String> who = peers == null || peers.isEmpty() ? List.of("anywhere") : peers.stream().map(peer -> {
      assertThat(peer.getIpBlock()).isNull();
      if (peer.getNamespaceSelector() != null) {
        assertThat(peer.getPodSelector()).isNull();
        return "namespaces " + labels(peer.getNamespaceSelector().getMatchLabels());
      }
      return "pods " + labels(peer.getPodSelector().getMatchLabels());
    }).toList();
    List<String> openings = new ArrayList<>();
    for (String peer : who) {
      for (NetworkPolicyPort port : ports) {
        assertThat(port.getEndPort()).isNull();
        openings.add(peer + " -> " + port.getProtocol() + "/" + port.getPort().getIntVal());
      }
    }
    return openings;
  }

  private static String labels(Map<String, String> labels) {
    assertThat(labels).as("a selector that matches everything").isNotEmpty();
    return labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().collect(Collectors.joining(","));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("Prometheus: the ServiceMonitor scrapes the metrics port, the pod is annotated, the rules are docs/prometheus's")
  void monitoring(String overlay) throws IOException {
    RenderedManifests manifests = RenderedManifests.render(overlay);
    ServiceMonitor monitor = manifests.one(ServiceMonitor.class);
    Service metrics = manifests.all(Service.class).stream()
        .filter(s -> s.getMetadata().getLabels().entrySet().containsAll(monitor.getSpec().getSelector().getMatchLabels().entrySet()))
        .collect(Collectors.collectingAndThen(Collectors.toList(), list -> {
          assertThat(list).as("Services the ServiceMonitor selects").hasSize(1);
          return list.get(0);
        }));
    assertThat(monitor.getSpec().getEndpoints()).singleElement().satisfies(endpoint -> {
      assertThat(endpoint.getPath()).isEqualTo("/metrics");
      assertThat(metrics.getSpec().getPorts()).extracting(ServicePort::getName).containsExactly(endpoint.getPort());
    });
    Container node = pod(manifests).getContainers().get(0);
    int metricsPort = Integer.parseInt(manifests.one(ConfigMap.class).getData().get("METRICS_PORT"));
    assertThat(node.getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo("metrics");
      assertThat(p.getContainerPort()).isEqualTo(metricsPort);
    });
    Map<String, String> annotations = manifests.one(Deployment.class).getSpec().getTemplate().getMetadata().getAnnotations();
    assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
        .containsEntry("prometheus.io/port", String.valueOf(metricsPort)).containsEntry("prometheus.io/path", "/metrics");
    assertThat(rulesAsYaml(manifests.one(PrometheusRule.class))).isEqualTo(documentedRules());
  }

  @SuppressWarnings("unchecked")
  private static Object documentedRules() throws IOException {
    Map<String, Object> file = new Yaml().load(Files.readString(Path.of("docs", "prometheus", "consolidb-alerts.yml")));
    return file.get("groups");
  }

  /** The rendered rule's groups as plain values, to compare with the documented file. */
  private static Object rulesAsYaml(PrometheusRule rule) {
    return new ObjectMapper().convertValue(rule.getSpec().getGroups(), List.class);
  }

  @Test
  @DisplayName("every overlay renders only objects of the consolidb namespace, each labelled or selected by app=consolidb")
  void everything_inOneNamespace() {
    for (String overlay : List.of("development", "staging", "production")) {
      for (HasMetadata object : RenderedManifests.render(overlay).all()) {
        if (!"Namespace".equals(object.getKind())) {
          assertThat(object.getMetadata().getNamespace()).as(object.getKind()).isEqualTo("consolidb");
        }
      }
    }
  }
}
