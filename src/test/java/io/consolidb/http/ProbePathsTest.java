package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.RenderedManifests;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Deployment's probes ask for paths the router serves, without a token. */
class ProbePathsTest {

  @Test
  @DisplayName("every probe path of every overlay is routed and answers without a token (200 or 503, never 401/404)")
  void probePaths_areRouted() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      int port = TestNode.freePort();
      JsonObject config = new JsonObject()
          .put("environment", "testing")
          .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
          .put("database", new JsonObject().put("url", "postgresql://u:p@127.0.0.1:5432/db").put("queryTimeoutMs", 200));
      TestNode.deployHttp(vertx, config).await(30, TimeUnit.SECONDS);
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
      for (String overlay : List.of("development", "staging", "production")) {
        Container node = RenderedManifests.render(overlay).one(Deployment.class)
            .getSpec().getTemplate().getSpec().getContainers().get(0);
        for (Probe probe : List.of(node.getLivenessProbe(), node.getReadinessProbe(), node.getStartupProbe())) {
          String path = probe.getHttpGet().getPath();
          int status = client.get(path).send().await(10, TimeUnit.SECONDS).statusCode();
          assertThat(status).as(overlay + " " + path).isIn(200, 503);
        }
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
