package io.consolidb.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Hazelcast clustering and the trust boundary around it. Locally nodes find each other over TCP-IP
 * on the listed members; in Kubernetes, through the headless service named by
 * {@code kubernetesServiceDns}. The event bus listens on a fixed port of its own
 * ({@code eventBusPort}, 0 = any free port, for tests) and, with {@code tls}, runs mutual TLS: every
 * peer shows a certificate signed by the cluster's CA. {@code secret} signs the caller tokens service
 * calls carry and the attestation a member publishes to be sent work (docs/CLUSTER.md).
 */
public record ClusterSettings(boolean enabled, String host, int port, List<String> members,
    String kubernetesServiceDns, int eventBusPort, Tls tls, String secret, int expectedMembers,
    int failureDetectionSeconds) {

  /** Shortest secret accepted: an HS256 key should hold at least 256 bits. */
  public static final int MIN_SECRET_LENGTH = 32;

  /** PEM files of the event bus's mutual TLS; all three or none. */
  public record Tls(String certPath, String keyPath, String caPath) {

    public static final Tls NONE = new Tls("", "", "");

    public boolean enabled() {
      return !certPath.isEmpty();
    }
  }

  /** Whether the event bus is closed to peers without a certificate and callers without a token. */
  public boolean secured() {
    return tls.enabled() && !secret.isEmpty();
  }

  /** Whether service calls and invalidations must carry a token signed with {@link #secret}. */
  public boolean authenticatesCallers() {
    return enabled && !secret.isEmpty();
  }

  static ClusterSettings fromJson(ConfigSection cluster) {
    int port = port(cluster, "port", 5801, 1);
    String members = cluster.string("members", "127.0.0.1:5801,127.0.0.1:5802,127.0.0.1:5803,127.0.0.1:5804");
    List<String> list = Arrays.stream(members.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
    for (String member : list) {
      if (!member.matches("[A-Za-z0-9.\\-]+(:\\d{1,5})?")) {
        throw cluster.invalid("members", members, "must be host:port entries separated by commas");
      }
    }
    String secret = cluster.string("secret", "");
    if (!secret.isEmpty() && secret.length() < MIN_SECRET_LENGTH) {
      throw cluster.invalid("secret", secret, "must be at least " + MIN_SECRET_LENGTH + " characters");
    }
    int detection = cluster.integer("failureDetectionSeconds", 6, 2);
    if (detection > 300) {
      throw cluster.invalid("failureDetectionSeconds", detection, "must be at most 300");
    }
    return new ClusterSettings(cluster.bool("enabled", false), cluster.string("host", "127.0.0.1"), port, list,
        cluster.string("kubernetesServiceDns", ""), port(cluster, "eventBusPort", 5901, 0), tls(cluster.section("tls")),
        secret, cluster.integer("expectedMembers", 0, 0), detection);
  }

  private static int port(ConfigSection cluster, String name, int fallback, int min) {
    int port = cluster.integer(name, fallback, min);
    if (port > 65535) {
      throw cluster.invalid(name, port, "must be between " + min + " and 65535");
    }
    return port;
  }

  private static Tls tls(ConfigSection tls) {
    String cert = tls.string("certPath", "");
    String key = tls.string("keyPath", "");
    String ca = tls.string("caPath", "");
    if (cert.isEmpty() && key.isEmpty() && ca.isEmpty()) {
      return Tls.NONE;
    }
    for (String[] file : new String[][] {{"certPath", cert}, {"keyPath", key}, {"caPath", ca}}) {
      if (file[1].isEmpty()) {
        throw tls.invalid(file[0], "", "must be set with the other TLS files (certificate, key and CA)");
      }
      if (!Files.isReadable(Path.of(file[1]))) {
        throw tls.invalid(file[0], file[1], "must name a readable PEM file");
      }
    }
    return new Tls(cert, key, ca);
  }
}
