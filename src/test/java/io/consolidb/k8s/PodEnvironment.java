package io.consolidb.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The variables the kubelet gives a rendered container: the ConfigMap of {@code envFrom} (the only
 * source emulated), then {@code env}, which wins; {@code fieldRef status.podIP} is the given pod
 * address. A value is passed through {@code local}, which moves a path under a volume mount to
 * where that volume is on this machine. What the emulation does not know fails loudly rather than
 * giving the process a variable Kubernetes would not.
 */
final class PodEnvironment {

  private PodEnvironment() {
  }

  /** {@code base} (the runtime's own variables), then the pod's. */
  static Map<String, String> of(Map<String, String> base, Container container, ConfigMap configMap, String podIp,
      UnaryOperator<String> local) {
    Map<String, String> env = new LinkedHashMap<>(base);
    for (EnvFromSource from : container.getEnvFrom()) {
      if (from.getConfigMapRef() == null || !configMap.getMetadata().getName().equals(from.getConfigMapRef().getName())) {
        throw new IllegalStateException("envFrom not emulated here: " + from);
      }
      configMap.getData().forEach((key, value) -> env.put(key, local.apply(value)));
    }
    for (EnvVar variable : container.getEnv()) {
      env.put(variable.getName(), value(variable, podIp, local));
    }
    return env;
  }

  private static String value(EnvVar variable, String podIp, UnaryOperator<String> local) {
    if (variable.getValueFrom() == null) {
      if (variable.getValue() != null && variable.getValue().contains("$(")) {
        throw new IllegalStateException("$(VAR) references are not emulated here: " + variable.getName());
      }
      return local.apply(variable.getValue() == null ? "" : variable.getValue());
    }
    var field = variable.getValueFrom().getFieldRef();
    if (field != null && "status.podIP".equals(field.getFieldPath())) {
      return podIp;
    }
    throw new IllegalStateException("valueFrom not emulated here: " + variable.getName() + " " + variable.getValueFrom());
  }
}
