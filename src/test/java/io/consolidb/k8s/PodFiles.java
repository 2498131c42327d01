package io.consolidb.k8s;

import io.consolidb.testsupport.TestCerts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * A rendered pod's environment made real on this machine: the ConfigMap's data and a container's
 * env entries, with the Secret volumes written as files under a local directory and every path
 * under a volume mount moved there. The Secret holds the keys of {@code k8s/base/secret.example.yaml}
 * with its placeholders replaced by random values, the CA and certificate volumes the test CA's
 * files (scripts/certs.sh).
 */
final class PodFiles {

  /** What {@code status.podIP} gives a pod here. */
  static final String POD_IP = "10.0.0.7";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path root;
  private final Map<String, String> secret;

  private PodFiles(Path root, Map<String, String> secret) {
    this.root = root;
    this.secret = secret;
  }

  /** Writes every volume of {@code pod} under {@code root}. */
  static PodFiles write(PodSpec pod, Path root) throws IOException {
    Map<String, String> secret = new LinkedHashMap<>();
    exampleSecret().forEach((key, value) -> secret.put(key, value.replace("CHANGE_ME", random())));
    PodFiles files = new PodFiles(root, secret);
    Path certs = TestCerts.ours();
    for (Volume volume : pod.getVolumes()) {
      Path dir = Files.createDirectories(root.resolve(volume.getName()));
      if (volume.getSecret() == null) {
        continue;
      }
      switch (volume.getSecret().getSecretName()) {
        case "consolidb" -> {
          for (Map.Entry<String, String> entry : secret.entrySet()) {
            // like `kubectl create secret --from-file` of a file written by echo: a newline at the end
            Files.writeString(dir.resolve(entry.getKey()), entry.getValue() + "\n");
          }
        }
        case "consolidb-cluster-tls" -> {
          Files.copy(certs.resolve("node1.pem"), dir.resolve("tls.crt"));
          Files.copy(certs.resolve("node1-key.pem"), dir.resolve("tls.key"));
          Files.copy(certs.resolve("ca.pem"), dir.resolve("ca.crt"));
        }
        default -> Files.copy(certs.resolve("ca.pem"), dir.resolve("ca.crt"));
      }
    }
    return files;
  }

  /** The {@code stringData} of the example Secret. */
  @SuppressWarnings("unchecked")
  static Map<String, String> exampleSecret() throws IOException {
    Map<String, Object> document = new Yaml().load(Files.readString(Path.of("k8s", "base", "secret.example.yaml")));
    Map<String, String> data = new LinkedHashMap<>();
    ((Map<String, Object>) document.get("stringData")).forEach((k, v) -> data.put(k, String.valueOf(v)));
    return data;
  }

  /** The values written into the Secret's files. */
  Map<String, String> secret() {
    return secret;
  }

  /** The process environment {@code container} would see, paths moved under the local root. */
  Map<String, String> environment(ConfigMap config, Container container) {
    return PodEnvironment.of(Map.of(), container, config, POD_IP, value -> local(container, value));
  }

  /** {@code value} with a volume mount's path replaced by the volume's local directory. */
  private String local(Container container, String value) {
    for (VolumeMount mount : container.getVolumeMounts()) {
      if (value.startsWith(mount.getMountPath() + "/")) {
        return root.resolve(mount.getName()).resolve(value.substring(mount.getMountPath().length() + 1)).toString();
      }
    }
    return value;
  }

  private static String random() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
