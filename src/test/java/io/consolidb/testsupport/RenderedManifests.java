package io.consolidb.testsupport;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.Yaml;

/**
 * The objects an overlay of {@code k8s/} renders to, read into fabric8's typed Kubernetes model.
 *
 * <p>Rendering is {@code kubectl kustomize} of Debian's kubernetes-client, which
 * {@code scripts/services.sh kubectl} unpacks under {@code .consolidb/tools} ({@code KUBECTL}
 * overrides the path). Every object must be of a kind listed here, and every field must be one the
 * model knows: fabric8 keeps unknown fields aside instead of failing, so {@link #unknownFields}
 * walks the whole object and reports each one (a misspelt {@code readinesProbe} would otherwise be
 * dropped silently by the API server's older versions, or rejected at deploy time by newer ones).
 */
public final class RenderedManifests {

  /** The kinds the manifests may contain and the model class each is read into. */
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
      Map.entry("v1/Namespace", Namespace.class),
      Map.entry("v1/ServiceAccount", ServiceAccount.class),
      Map.entry("v1/ConfigMap", ConfigMap.class),
      Map.entry("v1/Service", Service.class),
      Map.entry("apps/v1/Deployment", Deployment.class),
      Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
      Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
      Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
      Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
      Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class),
      Map.entry("batch/v1/CronJob", CronJob.class));

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private final List<HasMetadata> objects;

  private RenderedManifests(List<HasMetadata> objects) {
    this.objects = objects;
  }

  /** Renders {@code k8s/overlays/<overlay>} and reads every object. */
  public static RenderedManifests render(String overlay) {
    return parse(kustomize(Path.of("k8s", "overlays", overlay)));
  }

  /** Reads a multi-document YAML stream of Kubernetes objects. */
  public static RenderedManifests parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (Object document : new Yaml().loadAll(yaml)) {
      if (document == null) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) document;
      String type = map.get("apiVersion") + "/" + map.get("kind");
      Class<? extends HasMetadata> kind = KINDS.get(type);
      if (kind == null) {
        throw new IllegalStateException("a kind the manifests must not contain (or not known here): " + type);
      }
      HasMetadata object = MAPPER.convertValue(map, kind);
      List<String> unknown = unknownFields(object);
      if (!unknown.isEmpty()) {
        throw new IllegalStateException(type + " " + object.getMetadata().getName() + " has unknown fields: " + unknown);
      }
      objects.add(object);
    }
    return new RenderedManifests(objects);
  }

  public List<HasMetadata> all() {
    return objects;
  }

  /** The only object of a kind (fails when there is none or several). */
  public <T extends HasMetadata> T one(Class<T> kind) {
    List<T> found = all(kind);
    if (found.size() != 1) {
      throw new IllegalStateException("expected one " + kind.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }

  /** The object of a kind with a name, if rendered. */
  public <T extends HasMetadata> Optional<T> named(Class<T> kind, String name) {
    return all(kind).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
  }

  public <T extends HasMetadata> List<T> all(Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  /** {@code kubectl kustomize DIR}'s output. */
  public static String kustomize(Path dir) {
    Path out = null;
    try {
      out = Files.createTempFile("kustomize", ".yaml");
      Process process = new ProcessBuilder(kubectl().toString(), "kustomize", dir.toString())
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("kubectl kustomize " + dir + " did not finish within 60 s");
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException("kubectl kustomize " + dir + " failed: " + text);
      }
      return text;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kubectl kustomize", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      if (out != null) {
        out.toFile().delete();
      }
    }
  }

  /** The kubectl to render with: {@code KUBECTL}, or the one services.sh unpacked. */
  public static Path kubectl() {
    String configured = System.getenv("KUBECTL");
    Path path = configured != null && !configured.isBlank() ? Path.of(configured)
        : Path.of(".consolidb", "tools", "kubernetes-client", "usr", "bin", "kubectl");
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException("no kubectl at " + path + ": run `scripts/services.sh kubectl` (scripts/test.sh does)");
    }
    return path;
  }

  /**
   * The paths of the fields fabric8 did not recognise, anywhere in {@code root}: its model classes
   * keep them in {@code getAdditionalProperties()} rather than failing.
   */
  static List<String> unknownFields(Object root) {
    List<String> unknown = new ArrayList<>();
    walk(root, "", unknown, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    return unknown;
  }

  private static void walk(Object node, String path, List<String> unknown, Set<Object> seen) {
    if (node == null || !seen.add(node)) {
      return;
    }
    if (node instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(v, path + "." + k, unknown, seen));
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          extra.keySet().forEach(key -> unknown.add(path + "." + key));
        }
      } else if (!Map.class.isAssignableFrom(getter.getReturnType())) {
        // maps (labels, annotations, ConfigMap data, selectors, resource quantities) hold data, not fields
        walk(value, path + "." + property(getter), unknown, seen);
      }
    }
  }

  private static String property(Method getter) {
    String name = getter.getName().substring(3);
    return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
  }
}
