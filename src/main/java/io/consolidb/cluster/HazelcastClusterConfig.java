package io.consolidb.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import io.consolidb.config.ClusterSettings;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Builds the Hazelcast member configuration in code, from {@link ClusterSettings}, so that ports
 * and members come from the same validated configuration as everything else. A file named by
 * {@code -Dvertx.hazelcast.config} still wins, for operators who need full control.
 */
public final class HazelcastClusterConfig {

  private HazelcastClusterConfig() {
  }

  public static HazelcastClusterManager clusterManager(ClusterSettings settings) {
    if (System.getProperty("vertx.hazelcast.config") != null) {
      return new HazelcastClusterManager();
    }
    return new HazelcastClusterManager(config(settings));
  }

  static Config config(ClusterSettings settings) {
    Config config = new Config();
    config.setClusterName("consolidb");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Vert.x leaves the cluster itself on close; Hazelcast's own hook would race it.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");

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
