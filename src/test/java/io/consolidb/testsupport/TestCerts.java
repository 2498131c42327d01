package io.consolidb.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for the event bus's mutual TLS, made by the project's own {@code scripts/certs.sh}
 * (so the script is tested by every clustered test) under {@code target/}. {@link #ours()} is
 * the cluster's CA with certificates for the names tests use; {@link #foreign()} is another CA
 * altogether, for a peer whose certificate the cluster must refuse.
 */
public final class TestCerts {

  /** The names {@link #ours()} has certificates for. */
  public static final List<String> NAMES = List.of("node1", "node2", "node3", "client");

  private static Path ours;
  private static Path foreign;

  private TestCerts() {
  }

  /** The directory with the cluster's {@code ca.pem} and {@code <name>.pem}, {@code <name>-key.pem}. */
  public static synchronized Path ours() {
    if (ours == null) {
      ours = make(Path.of("target", "test-certs", "ours"), NAMES);
    }
    return ours;
  }

  /** A CA the cluster does not trust, with a certificate {@code rogue}. */
  public static synchronized Path foreign() {
    if (foreign == null) {
      foreign = make(Path.of("target", "test-certs", "foreign"), List.of("rogue"));
    }
    return foreign;
  }

  /** The settings that give a node the event bus's TLS with {@code name}'s certificate. */
  public static Map<String, String> tlsVariables(Path dir, String name) {
    return Map.of("CLUSTER_TLS_CERT", dir.resolve(name + ".pem").toString(),
        "CLUSTER_TLS_KEY", dir.resolve(name + "-key.pem").toString(),
        "CLUSTER_TLS_CA", dir.resolve("ca.pem").toString());
  }

  private static Path make(Path dir, List<String> names) {
    List<String> command = new ArrayList<>(List.of("scripts/certs.sh", "--dir", dir.toString()));
    command.addAll(names);
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("scripts/certs.sh failed: " + output);
      }
      for (String name : names) {
        if (!Files.isReadable(dir.resolve(name + ".pem"))) {
          throw new IllegalStateException("scripts/certs.sh made no " + name + ".pem: " + output);
        }
      }
      return dir.toAbsolutePath();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run scripts/certs.sh", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
