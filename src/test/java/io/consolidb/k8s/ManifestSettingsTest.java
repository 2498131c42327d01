package io.consolidb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.config.ConfigLoader;
import io.consolidb.config.ConfigVariable;
import io.consolidb.config.Environment;
import io.consolidb.config.InvalidConfigException;
import io.consolidb.config.NodeSettings;
import io.consolidb.testsupport.RenderedManifests;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the rendered pods tell the node is what the node understands: every variable is one it
 * reads, the whole environment passes the environment's validation (production's checklist
 * included), and the ports, secrets and grace period agree with the settings it ends up with.
 */
class ManifestSettingsTest {

  /** Variables for the JVM and the C library, not for the node. */
  private static final Set<String> PROCESS_VARIABLES = Set.of("JAVA_TOOL_OPTIONS", "MALLOC_ARENA_MAX");
  private static final String SECRETS_MOUNT = "/etc/consolidb/secrets/";

  @TempDir
  Path pod;

  private static PodSpec podSpec(RenderedManifests manifests) {
    return manifests.one(Deployment.class).getSpec().getTemplate().getSpec();
  }

  private static List<Container> allContainers(PodSpec spec) {
    return Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream()).toList();
  }

  private static int port(Container container, String name) {
    return container.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
        .findFirst().orElseThrow(() -> new AssertionError("no container port named " + name));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("every variable of the ConfigMap and of each container is one the node reads (or the JVM's)")
  void variables_areKnown(String overlay) {
    RenderedManifests manifests = RenderedManifests.render(overlay);
    Set<String> names = new HashSet<>(manifests.one(ConfigMap.class).getData().keySet());
    allContainers(podSpec(manifests)).forEach(c -> c.getEnv().forEach(e -> names.add(e.getName())));
    assertThat(names).allSatisfy(name -> assertThat(ConfigVariable.isKnown(name)
        || ConfigLoader.ENV_VARIABLE.equals(name) || PROCESS_VARIABLES.contains(name))
        .as("%s is read by the node", name).isTrue());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("each container's environment is valid for the overlay's environment; the ports are the settings'")
  void environment_isValidAndPortsMatch(String overlay) throws IOException {
    RenderedManifests manifests = RenderedManifests.render(overlay);
    PodSpec spec = podSpec(manifests);
    PodFiles files = PodFiles.write(spec, pod);
    ConfigMap config = manifests.one(ConfigMap.class);
    assertThat(Environment.parse(config.getData().get(ConfigLoader.ENV_VARIABLE)).fileName()).isEqualTo(overlay);
    Container node = spec.getContainers().get(0);
    for (Container container : allContainers(spec)) {
      NodeSettings settings = ConfigLoader.loadBlocking(files.environment(config, container));
      assertThat(settings.environment().fileName()).as(container.getName()).isEqualTo(overlay);
    }
    NodeSettings settings = ConfigLoader.loadBlocking(files.environment(config, node));
    assertThat(settings.http().port()).isEqualTo(port(node, "http"));
    assertThat(settings.metrics().port()).isEqualTo(port(node, "metrics"));
    assertThat(settings.cluster().port()).isEqualTo(port(node, "hazelcast"));
    assertThat(settings.cluster().eventBusPort()).isEqualTo(port(node, "eventbus"));
    // the credentials came from the mounted files, without the files' newline
    assertThat(settings.cluster().secret()).isEqualTo(files.secret().get("CLUSTER_SECRET"));
    assertThat(settings.database().tls().rootCert()).startsWith(pod.toString());
    if (!"development".equals(overlay)) {
      assertThat(settings.cluster().enabled()).isTrue();
      assertThat(settings.cluster().secured()).isTrue();
      assertThat(settings.cluster().authenticatesCallers()).isTrue();
    }
  }

  @Test
  @DisplayName("the validation that passes is production's own: without the cluster secret the pod is refused")
  void production_withoutClusterSecret_isRefused() throws IOException {
    RenderedManifests manifests = RenderedManifests.render("production");
    PodSpec spec = podSpec(manifests);
    PodFiles files = PodFiles.write(spec, pod);
    Map<String, String> env = new HashMap<>(files.environment(manifests.one(ConfigMap.class), spec.getContainers().get(0)));
    env.remove("CLUSTER_SECRET_FILE");
    assertThatThrownBy(() -> ConfigLoader.loadBlocking(env)).isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("CLUSTER_SECRET");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("every Secret key a container reads is in the example Secret, and every example key is read")
  void secretKeys_matchTheExample(String overlay) throws IOException {
    PodSpec spec = podSpec(RenderedManifests.render(overlay));
    Set<String> example = PodFiles.exampleSecret().keySet();
    for (Container container : allContainers(spec)) {
      Set<String> read = container.getEnv().stream().map(EnvVar::getValue)
          .filter(v -> v != null && v.startsWith(SECRETS_MOUNT))
          .map(v -> v.substring(SECRETS_MOUNT.length())).collect(Collectors.toSet());
      assertThat(read).as(container.getName()).isEqualTo(example);
      assertThat(container.getEnvFrom()).as("no secret as environment variables")
          .allSatisfy(from -> assertThat(from.getSecretRef()).isNull());
      assertThat(container.getEnv()).allSatisfy(e -> assertThat(e.getValueFrom() == null
          || e.getValueFrom().getSecretKeyRef() == null).as(e.getName()).isTrue());
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("the grace period covers the preStop sleep and the node's whole shutdown (drain included)")
  void gracePeriod_coversPreStopAndShutdown(String overlay) throws IOException {
    RenderedManifests manifests = RenderedManifests.render(overlay);
    PodSpec spec = podSpec(manifests);
    Container node = spec.getContainers().get(0);
    NodeSettings settings = ConfigLoader.loadBlocking(
        PodFiles.write(spec, pod).environment(manifests.one(ConfigMap.class), node));
    long preStop = node.getLifecycle().getPreStop().getSleep().getSeconds();
    assertThat(preStop).isPositive();
    assertThat(settings.shutdown().drainSeconds()).isLessThan(settings.shutdown().timeoutSeconds());
    // after SIGTERM the node allows itself the drain, then the timeout; a margin for the JVM's exit
    assertThat((double) spec.getTerminationGracePeriodSeconds())
        .isGreaterThan(preStop + settings.shutdown().drainSeconds() + settings.shutdown().timeoutSeconds());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("the migrate init container reads the same settings and files as the node")
  void initContainer_sameSettingsAsNode(String overlay) {
    PodSpec spec = podSpec(RenderedManifests.render(overlay));
    Container migrate = spec.getInitContainers().get(0);
    Container node = spec.getContainers().get(0);
    assertThat(migrate.getArgs()).containsExactly("migrate");
    assertThat(node.getArgs()).containsExactly("run");
    assertThat(migrate.getEnvFrom()).isEqualTo(node.getEnvFrom());
    Set<EnvVar> nodeSettings = node.getEnv().stream().filter(e -> ConfigVariable.isKnown(e.getName())
        && !"DB_MIGRATE".equals(e.getName())).collect(Collectors.toSet());
    Set<EnvVar> migrateSettings = migrate.getEnv().stream().filter(e -> ConfigVariable.isKnown(e.getName()))
        .collect(Collectors.toSet());
    assertThat(migrateSettings).isEqualTo(nodeSettings);
    assertThat(migrate.getVolumeMounts()).isEqualTo(node.getVolumeMounts());
  }
}
