package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.HeadlessChromium;
import io.consolidb.testsupport.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A browser application on another origin calling the API, in a real headless Chromium: a page
 * served from http://127.0.0.1:A fetches a restaurant and creates one (an authorised POST, which
 * the browser preflights) from the node on port B, whose CORS settings allow that origin; the same
 * page served from http://localhost:A (another origin) is blocked by the browser.
 */
class CorsBrowserTest {

  private static final String TOKEN = "cors-browser-token-51aa";

  private static TestNode node;
  private static Vertx vertx;
  private static HeadlessChromium browser;
  private static int pagePort;

  @BeforeAll
  static void start() {
    node = TestNode.create("cors_browser");
    node.reseed();
    vertx = Vertx.vertx();
    HttpServer pages = Await.result(vertx.createHttpServer().requestHandler(request -> {
      String api = request.getParam("api");
      if (api == null) {
        request.response().setStatusCode(404).end(); // the browser's favicon.ico
        return;
      }
      request.response().putHeader("Content-Type", "text/html; charset=utf-8").end(page(Integer.parseInt(api)));
    }).listen(0, "127.0.0.1"));
    pagePort = pages.actualPort();
    int apiPort = TestNode.freePort();
    JsonObject config = node.config(apiPort, TOKEN);
    config.getJsonObject("http").put("cors", new JsonObject().put("allowedOrigins", "http://127.0.0.1:" + pagePort));
    TestNodes.deploy(vertx, config, Component.QUERY, Component.RESTAURANTS, Component.HTTP);
    System.setProperty("consolidb.corsBrowser.apiPort", Integer.toString(apiPort));
    browser = HeadlessChromium.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    vertx.close().await(30, TimeUnit.SECONDS);
    node.close();
  }

  /** The application: two calls, each writing "OK <status> <body>" or "ERR <error>" into the page. */
  private static String page(int apiPort) {
    return """
        <!doctype html><html><head><meta charset="utf-8"><title>consolidb CORS</title></head><body>
        <h1>A browser application calling consolidb</h1>
        <p>page origin <b id="origin"></b>, API http://127.0.0.1:%1$d</p>
        <pre id="get">pending</pre><pre id="post">pending</pre>
        <script>
        document.getElementById('origin').textContent = location.origin;
        const api = 'http://127.0.0.1:%1$d/api/v1/restaurants';
        const show = (id, call) => call
          .then(r => r.text().then(t => 'OK ' + r.status + ' ' + r.headers.get('X-Request-Id') + ' ' + t))
          .catch(e => 'ERR ' + e.name + ': ' + e.message)
          .then(text => { document.getElementById(id).textContent = text; });
        Promise.all([
          show('get', fetch(api + '/2')),
          show('post', fetch(api, { method: 'POST',
            headers: { 'Authorization': 'Bearer %2$s', 'Content-Type': 'application/json' },
            body: JSON.stringify({ name: 'Browser Bistro', city: 'Boston', latitude: 42.36, longitude: -71.06 }) }))
        ]).then(() => document.body.setAttribute('data-done', '1'));
        </script></body></html>
        """.formatted(apiPort, TOKEN);
  }

  private static void load(String host) {
    int apiPort = Integer.getInteger("consolidb.corsBrowser.apiPort");
    browser.driver().get("http://" + host + ":" + pagePort + "/?api=" + apiPort);
    new WebDriverWait(browser.driver(), Duration.ofSeconds(20))
        .until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-done", "1"));
  }

  private static String text(String id) {
    return browser.driver().findElement(By.id(id)).getText();
  }

  @Test
  void allowedOrigin_readsAndWrites_otherOrigin_isBlockedByTheBrowser() {
    load("127.0.0.1");
    String get = text("get");
    String post = text("post");
    browser.screenshot("cors-allowed-origin");
    List<String> console = browser.console();
    assertThat(get).startsWith("OK 200 ").contains("Bryant Park Grill");
    // X-Request-Id is exposed to the page: it could read it
    assertThat(get.split(" ")[2]).matches("[0-9a-f]{32}");
    assertThat(post).startsWith("OK 201 ").contains("Browser Bistro");
    assertThat(console).noneMatch(line -> line.contains("CORS"));

    load("localhost");
    String blockedGet = text("get");
    String blockedPost = text("post");
    browser.screenshot("cors-other-origin");
    assertThat(blockedGet).isEqualTo("ERR TypeError: Failed to fetch");
    assertThat(blockedPost).isEqualTo("ERR TypeError: Failed to fetch");
    assertThat(browser.console()).anyMatch(line -> line.contains("from origin 'http://localhost:" + pagePort
        + "' has been blocked by CORS policy"));
  }
}
