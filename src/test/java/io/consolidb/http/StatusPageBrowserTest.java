package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.HeadlessChromium;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page in a real headless Chromium against a whole node (PostgreSQL, Redis, metrics),
 * with API traffic running meanwhile: the token form, the level and gauges filled with real
 * values, slow statements for an admin token only, no console error, and the level falling when
 * PostgreSQL refuses connections. Screenshots: {@code target/status-page.png} (admin view) and
 * {@code target/status-page-database-down.png}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusPageBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String NUMBER = "\\d+(\\.\\d+)?";

  private static StatusNode node;
  private static HeadlessChromium browser;
  private final AtomicBoolean driving = new AtomicBoolean();
  private Thread traffic;

  @BeforeAll
  static void start() throws Exception {
    node = StatusNode.start("status_page");
    node.slowQuery();
    browser = HeadlessChromium.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (node != null) {
      node.close();
    }
  }

  /** API reads every 100 ms while a test runs, so the rate and the cache have something to show. */
  @BeforeEach
  void driveTraffic() {
    driving.set(true);
    traffic = new Thread(() -> {
      while (driving.get()) {
        node.drive(1);
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "status-page-traffic");
    traffic.start();
  }

  @AfterEach
  void stopTraffic() throws InterruptedException {
    driving.set(false);
    traffic.join(10_000);
  }

  @Test
  @Order(1)
  @DisplayName("the form takes a token; the level and gauges show real values; slow statements only for admin;"
      + " nothing in the console")
  void page_showsLiveValues_slowQueriesForAdminOnly() {
    browser.driver().get(node.url("/status"));
    waitUntil("the token form shows", () -> displayed("login"));
    assertThat(displayed("status")).isFalse();

    signIn("not-a-token-of-this-node");
    waitUntil("a refused token is said so", () -> text("message").contains("401"));
    assertThat(displayed("login")).isTrue();
    assertThat(browser.console()).as("the refused request itself is logged").anyMatch(l -> l.contains("401"));

    signIn(StatusNode.METRICS_TOKEN);
    waitUntil("the level and the gauges show real values", () -> text("level").matches("HEALTHY|DEGRADED")
        && text("pool-max").equals("4") && text("pool-size").matches("\\d+") && text("pool-active").matches("\\d+")
        && text("cache-hit-rate").matches(NUMBER) && Long.parseLong(text("cache-hits")) > 0
        && text("cache-redis").equals("up") && Long.parseLong(text("db-total")) > 0
        && text("rate").matches(NUMBER) && Double.parseDouble(text("rate")) > 0
        && text("latency").matches(NUMBER)
        && !browser.driver().findElement(By.cssSelector("#rate-spark polyline")).getAttribute("points").isEmpty());
    assertThat(text("checks")).contains("database", "redis", "UP");
    assertThat(text("transitions")).contains("UNKNOWN →");
    assertThat(text("cluster-summary")).startsWith("not clustered");
    assertThat(text("replicas")).isEqualTo("none configured");
    assertThat(displayed("slow")).as("slow statements are for admin only").isFalse();
    assertThat(displayed("message")).isFalse();
    assertThat(script("return sessionStorage.getItem('consolidb.status.token')")).isEqualTo(StatusNode.METRICS_TOKEN);
    assertThat(script("return localStorage.length + ':' + document.cookie")).isEqualTo("0:");
    assertNoConsoleErrors();

    // a reload keeps the tab's token: no form again
    browser.driver().navigate().refresh();
    waitUntil("the data shows again without the form", () -> displayed("status") && text("level").matches("[A-Z]+")
        && !text("level").equals("UNKNOWN"));
    assertThat(displayed("login")).isFalse();

    browser.driver().findElement(By.id("signout")).click();
    waitUntil("the form shows again", () -> displayed("login"));
    assertThat(script("return sessionStorage.length")).isEqualTo(0L);
    signIn(StatusNode.ADMIN_TOKEN);
    waitUntil("the slow statements show", () -> displayed("slow") && text("slow-queries").contains("pg_sleep"));
    assertThat(text("slow-queries")).contains("SELECT pg_sleep(?), ?::text AS s", "status.slow")
        .doesNotContain(StatusNode.LITERAL);
    browser.driver().manage().window().setSize(new Dimension(1280, 1400)); // the whole page in the shot
    Path shot = browser.screenshot("status-page");
    assertThat(shot).exists();
    assertNoConsoleErrors();
  }

  @Test
  @Order(2)
  @DisplayName("PostgreSQL refusing connections: the page shows the level falling, then serving again")
  void page_showsTheLevelFallingAndRecovering() throws Exception {
    browser.driver().get(node.url("/status"));
    if (displayed("login")) {
      signIn(StatusNode.METRICS_TOKEN);
    }
    // DEGRADED counts as serving: a noisy machine may delay a timer past the event-loop threshold
    waitUntil("the node serves first", () -> text("level").matches("HEALTHY|DEGRADED"));
    browser.console();

    node.database.refuse().await(10, TimeUnit.SECONDS);
    try {
      waitUntil("the page shows the database down", () -> text("level").matches("UNHEALTHY|CRITICAL")
          && text("reason").startsWith("database"));
      assertThat(displayed("message")).as("the data still answers").isFalse();
      assertThat(text("checks")).contains("DOWN");
      browser.screenshot("status-page-database-down");
    } finally {
      node.database.accept().await(10, TimeUnit.SECONDS);
    }
    waitUntil("the page shows the recovery", () -> text("level").matches("HEALTHY|DEGRADED")
        && text("transitions").matches("(?s).*(UNHEALTHY|CRITICAL) → (HEALTHY|DEGRADED).*"));
    assertNoConsoleErrors();
  }

  private static void signIn(String token) {
    WebElement field = browser.driver().findElement(By.id("token"));
    field.clear();
    field.sendKeys(token);
    browser.driver().findElement(By.cssSelector("#login button[type=submit]")).click();
  }

  private static String text(String id) {
    return browser.driver().findElement(By.id(id)).getText();
  }

  private static boolean displayed(String id) {
    return browser.driver().findElement(By.id(id)).isDisplayed();
  }

  private static Object script(String js) {
    return ((JavascriptExecutor) browser.driver()).executeScript(js);
  }

  private static void waitUntil(String what, java.util.function.BooleanSupplier condition) {
    new WebDriverWait(browser.driver(), WAIT).withMessage(() -> what + "; the page shows: "
        + browser.driver().findElement(By.tagName("body")).getText()).until(d -> {
          try {
            return condition.getAsBoolean();
          } catch (NumberFormatException notYet) {
            return false;
          }
        });
  }

  /** Errors and warnings alike: a CSP violation is reported as an error, a blocked resource too. */
  private static void assertNoConsoleErrors() {
    List<String> console = browser.console();
    assertThat(console).noneMatch(line -> line.startsWith("SEVERE") || line.startsWith("WARNING"));
  }
}
