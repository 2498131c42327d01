package io.consolidb.cli;

import io.consolidb.config.NodeSettings;
import io.consolidb.config.SecretMasker;
import io.consolidb.metrics.Meters;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.tracing.Tracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Starts a node and keeps it running until the process is stopped. */
@Command(name = "run", description = "Start a consolidb node (the default command).")
public final class RunCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

  @Mixin
  ConfigOptions config = new ConfigOptions();

  @Option(names = {"-cluster", "--cluster"}, description = "Join the Hazelcast cluster (CLUSTER_ENABLED=true).")
  boolean cluster;

  @Option(names = {"-cluster-host", "--cluster-host"}, paramLabel = "HOST",
      description = "Address the clustered event bus binds to (CLUSTER_HOST).")
  String clusterHost;

  @Override
  public Integer call() {
    Map<String, String> extra = new HashMap<>();
    if (cluster) {
      extra.put("CLUSTER_ENABLED", "true");
    }
    if (clusterHost != null) {
      extra.put("CLUSTER_HOST", clusterHost);
    }
    NodeSettings settings = config.load(extra);
    if (settings == null) {
      return ConfigOptions.INVALID_CONFIG;
    }
    Started started = start(settings);
    if (started.node() == null) {
      return started.exitCode();
    }
    ConsolidbNode node = started.node();
    // SIGTERM (Kubernetes, systemd, scripts/cluster.sh): the orderly stop of ConsolidbNode#shutDown,
    // then exit 0; a stop that overruns the shutdown timeout exits 1
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("node: stopping");
      int code = 0;
      try {
        node.shutDown().await((long) ((settings.shutdown().drainSeconds() + settings.shutdown().timeoutSeconds()) * 1000),
            TimeUnit.MILLISECONDS);
        Tracing.shutdown(node.vertx()); // the spans still queued go to the collector
        log.info("node: stopped");
      } catch (Exception e) {
        log.warn("node: unclean stop: {}", SecretMasker.maskText(String.valueOf(e.getMessage())));
        code = 1;
      }
      Runtime.getRuntime().halt(code); // a JVM stopped by a signal would otherwise exit 143
    }, "consolidb-shutdown"));
    return 0;
  }

  /** A started node (the caller stops it), or the exit code of a failed start. */
  record Started(ConsolidbNode node, int exitCode) {
  }

  /** Logs the effective configuration (masked), starts Vert.x and deploys every component. */
  static Started start(NodeSettings settings) {
    log.info("config: effective configuration ({}): {}", settings.environment().fileName(),
        settings.masked().encode());
    MeterRegistry registry = Meters.registry(settings.metricsEnabled());
    Vertx vertx;
    try {
      vertx = ConsolidbNode.createVertx(settings, registry).await(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      log.error("node: could not start Vert.x{}: {}", settings.cluster().enabled() ? " in cluster mode" : "",
          SecretMasker.maskText(String.valueOf(e.getMessage())));
      return new Started(null, 11);
    }
    try {
      ConsolidbNode node = ConsolidbNode.deploy(vertx, registry, settings, EnumSet.allOf(Component.class))
          .await(5, TimeUnit.MINUTES);
      log.info("node: serving HTTP on {}:{}", settings.http().host(), settings.http().port());
      return new Started(node, 0);
    } catch (Exception e) {
      log.error("node: failed to start: {}", SecretMasker.maskText(String.valueOf(e.getMessage())));
      vertx.close();
      return new Started(null, 1);
    }
  }
}
