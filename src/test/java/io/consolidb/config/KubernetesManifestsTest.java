package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The manifests in k8s/ say only what the node understands. */
class KubernetesManifestsTest {

  private static List<Map<String, Object>> documents(String file) throws IOException {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new Yaml().loadAll(Files.readString(Path.of("k8s/base", file)))) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) document;
      documents.add(map);
    }
    return documents;
  }

  @SuppressWarnings("unchecked")
  private static <T> T at(Object node, String... path) {
    Object current = node;
    for (String key : path) {
      current = current instanceof List<?> list ? list.get(Integer.parseInt(key)) : ((Map<String, Object>) current).get(key);
    }
    return (T) current;
  }

  @Test
  @DisplayName("every ConfigMap key is a variable the node reads, and the environment is valid")
  void configMap_keysAreKnownVariables() throws IOException {
    Map<String, Object> data = at(documents("configmap.yaml").get(0), "data");
    Set<String> known = ConfigVariable.ALL.stream().map(ConfigVariable::name).collect(Collectors.toSet());
    known.add(ConfigLoader.ENV_VARIABLE);
    assertThat(data.keySet()).allSatisfy(key -> assertThat(known).contains(key));
    assertThat(Environment.parse(data.get("CONSOLIDB_ENV").toString())).isEqualTo(Environment.PRODUCTION);
  }

  @Test
  @DisplayName("liveness probes the node alone and readiness follows the database")
  void deployment_probes() throws IOException {
    Map<String, Object> container = at(documents("deployment.yaml").get(0), "spec", "template", "spec", "containers", "0");
    assertThat((String) at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/health/live");
    assertThat((String) at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/health/ready");
    List<Map<String, Object>> env = at(container, "env");
    String jvm = env.stream().filter(e -> "JAVA_TOOL_OPTIONS".equals(e.get("name")))
        .map(e -> e.get("value").toString()).findFirst().orElseThrow();
    assertThat(jvm).contains("-Xmx256m");
  }

  @Test
  @DisplayName("a clustered production pod has the event bus's TLS files and a grace period longer than drain + stop")
  void deployment_clusterTrustAndShutdown() throws IOException {
    Map<String, Object> pod = at(documents("deployment.yaml").get(0), "spec", "template", "spec");
    Map<String, Object> container = at(pod, "containers", "0");
    List<Map<String, Object>> env = at(container, "env");
    Set<String> names = env.stream().map(e -> e.get("name").toString()).collect(Collectors.toSet());
    assertThat(names).contains("CLUSTER_TLS_CERT", "CLUSTER_TLS_KEY", "CLUSTER_TLS_CA");
    Map<String, Object> secret = at(documents("secret.example.yaml").get(0), "stringData");
    assertThat(secret).containsKey("CLUSTER_SECRET");
    ShutdownSettings shutdown = ShutdownSettings.fromJson(new ConfigSection("shutdown", null)); // the defaults
    int grace = at(pod, "terminationGracePeriodSeconds");
    assertThat((double) grace).isGreaterThan(shutdown.drainSeconds() + shutdown.timeoutSeconds());
    List<Map<String, Object>> ports = at(container, "ports");
    assertThat(ports).anySatisfy(p -> assertThat(p).containsEntry("containerPort", 5901));
  }

  @Test
  @DisplayName("the node and the migrate job verify PostgreSQL's certificate: verify-full and a mounted CA")
  void deployment_postgresTls() throws IOException {
    Map<String, Object> pod = at(documents("deployment.yaml").get(0), "spec", "template", "spec");
    for (String containers : new String[] {"initContainers", "containers"}) {
      List<Map<String, Object>> env = at(pod, containers, "0", "env");
      String ca = env.stream().filter(e -> "DB_SSL_ROOT_CERT".equals(e.get("name")))
          .map(e -> e.get("value").toString()).findFirst().orElseThrow();
      List<Map<String, Object>> mounts = at(pod, containers, "0", "volumeMounts");
      assertThat(mounts).as(containers).anySatisfy(m -> assertThat(ca).startsWith(m.get("mountPath") + "/"));
    }
    Map<String, Object> secret = at(documents("secret.example.yaml").get(0), "stringData");
    assertThat(secret.get("DATABASE_URL").toString()).endsWith("?sslmode=verify-full");
  }

  @Test
  @DisplayName("the node's memory settings: the flags line starts with -Xms (scripts/bench.sh reads it) and malloc arenas are capped")
  void deployment_memorySettings() throws IOException {
    Map<String, Object> container = at(documents("deployment.yaml").get(0), "spec", "template", "spec", "containers", "0");
    List<Map<String, Object>> env = at(container, "env");
    Map<String, String> values = env.stream().filter(e -> e.get("value") != null)
        .collect(Collectors.toMap(e -> e.get("name").toString(), e -> e.get("value").toString()));
    assertThat(values.get("JAVA_TOOL_OPTIONS")).startsWith("-Xms").contains("-Xmx256m");
    // Without it glibc keeps up to 8 arenas per core: ~80 MiB resident beyond the heap under load.
    assertThat(values).containsEntry("MALLOC_ARENA_MAX", "2");
  }
}
