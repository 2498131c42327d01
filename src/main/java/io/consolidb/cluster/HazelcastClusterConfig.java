package io.consolidb.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import java.util.concurrent.TimeUnit;
import io.consolidb.config.ClusterSettings;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Builds the Hazelcast member configuration in code, from {@link ClusterSettings}, so that ports
 * and members come from the same validated configuration as everything else. A file named by
 * {@code -Dvertx.hazelcast.config} still wins, for operators who need full control.
 */
public final class HazelcastClusterConfig {

  /** Connecting (and the TLS handshake) to another member's event bus gives up after this. */
  static final int CONNECT_TIMEOUT_MS = 3000;
  /** How often a member alone after a split looks for the rest of the cluster. */
  static final int MERGE_CHECK_SECONDS = 5;

  private HazelcastClusterConfig() {
  }

  /**
   * The cluster manager: with a cluster secret, one that sends work only to members that proved
   * they hold it ({@link AttestedClusterManager}).
   */
  public static HazelcastClusterManager clusterManager(ClusterSettings settings) {
    Config config = memberConfig(settings);
    return settings.secret().isEmpty() ? new DepartureAwareClusterManager(config)
        : new AttestedClusterManager(config, settings.secret());
  }

  /**
   * The cluster manager for an application that calls the services without being a node
   * (docs/CLIENT.md): a Hazelcast lite member, which holds no partition of the cluster's maps (its
   * departure costs the nodes nothing) and which the nodes count as a client, not as a member (no
   * local tier is dropped when it comes or goes).
   */
  public static HazelcastClusterManager clientClusterManager(ClusterSettings settings) {
    return new DepartureAwareClusterManager(memberConfig(settings).setLiteMember(true));
  }

  /** The file named by {@code -Dvertx.hazelcast.config} when there is one, else {@link #config}. */
  private static Config memberConfig(ClusterSettings settings) {
    return System.getProperty("vertx.hazelcast.config") != null
        ? new HazelcastClusterManager().loadConfig() : config(settings);
  }

  /**
   * The clustered event bus: bound to the cluster host on its own fixed port and, when TLS is
   * configured, mutual TLS (a peer without a certificate from the cluster's CA cannot connect,
   * in either direction).
   */
  public static EventBusOptions eventBusOptions(ClusterSettings settings) {
    EventBusOptions options = new EventBusOptions().setHost(settings.host()).setPort(settings.eventBusPort())
        .setConnectTimeout(CONNECT_TIMEOUT_MS);
    if (settings.tls().enabled()) {
      options.setSsl(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(settings.tls().certPath())
              .setKeyPath(settings.tls().keyPath()))
          .setTrustOptions(new PemTrustOptions().addCertPath(settings.tls().caPath()))
          // the event bus trusts every certificate by default (Vert.x's DEFAULT_TRUST_ALL): only the CA's
          .setTrustAll(false)
          .setClientAuth(ClientAuth.REQUIRED)
          .setSslHandshakeTimeout(CONNECT_TIMEOUT_MS).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return options;
  }

  static Config config(ClusterSettings settings) {
    Config config = new Config();
    config.setClusterName("consolidb");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Vert.x leaves the cluster itself on close; Hazelcast's own hook would race it.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    // A killed or frozen member leaves the membership within failureDetectionSeconds (Hazelcast's
    // default is 60 s): heartbeats every second, a member silent for that long is dropped.
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(settings.failureDetectionSeconds()));
    // A member that was frozen past that wakes up alone (the others removed it): it looks for the
    // cluster again every few seconds and merges back (Hazelcast's defaults: after 5, then every 2 minutes)
    config.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(MERGE_CHECK_SECONDS));
    config.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(MERGE_CHECK_SECONDS));

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.port()).setPortAutoIncrement(true).setPortCount(20);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (!settings.kubernetesServiceDns().isBlank()) {
      // DNS lookup dials every address it finds on service-port, which defaults to Hazelcast's 5701:
      // without it the pods, listening on ours, never find each other
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", settings.kubernetesServiceDns())
          .setProperty("service-port", Integer.toString(settings.port()));
    } else {
      network.getInterfaces().setEnabled(true).addInterface(settings.host());
      // listen on that address only: Hazelcast otherwise binds the member port on every interface
      config.setProperty("hazelcast.socket.bind.any", Boolean.toString(settings.host().equals("0.0.0.0")));
      join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
    }

    // The maps Vert.x keeps its subscriptions and node information in (as its default-cluster.xml).
    config.getMultiMapConfig("__vertx.subs").setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET);
    config.getMapConfig("__vertx.haInfo").setBackupCount(1);
    config.getMapConfig("__vertx.nodeInfo").setBackupCount(1);
    return config;
  }
}
