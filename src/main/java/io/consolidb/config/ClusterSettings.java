package io.consolidb.config;

import java.util.Arrays;
import java.util.List;

/**
 * Hazelcast clustering. Locally nodes find each other over TCP-IP on the listed members; in
 * Kubernetes, through the headless service named by {@code kubernetesServiceDns}.
 */
public record ClusterSettings(boolean enabled, String host, int port, List<String> members,
    String kubernetesServiceDns) {

  static ClusterSettings fromJson(ConfigSection cluster) {
    int port = cluster.integer("port", 5801, 1);
    if (port > 65535) {
      throw cluster.invalid("port", port, "must be between 1 and 65535");
    }
    String members = cluster.string("members", "127.0.0.1:5801,127.0.0.1:5802,127.0.0.1:5803,127.0.0.1:5804");
    List<String> list = Arrays.stream(members.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
    for (String member : list) {
      if (!member.matches("[A-Za-z0-9.\\-]+(:\\d{1,5})?")) {
        throw cluster.invalid("members", members, "must be host:port entries separated by commas");
      }
    }
    return new ClusterSettings(cluster.bool("enabled", false), cluster.string("host", "127.0.0.1"), port, list,
        cluster.string("kubernetesServiceDns", ""));
  }
}
