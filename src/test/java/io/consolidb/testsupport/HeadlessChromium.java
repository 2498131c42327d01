package io.consolidb.testsupport;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's Chromium, headless, driven through its own chromedriver (both installed by
 * {@code scripts/services.sh browser}). The driver is named explicitly so Selenium never tries to
 * download one; the flags keep a root, sandbox-less, offline browser quiet.
 */
public final class HeadlessChromium implements AutoCloseable {

  private static final Path BROWSER = Path.of(System.getenv().getOrDefault("CHROME_BIN", "/usr/bin/chromium"));
  private static final Path DRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver"));

  private final ChromeDriver driver;
  private final Path profile;

  private HeadlessChromium(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /** Starts the browser; fails with the command that installs it when it is missing. */
  public static HeadlessChromium start() {
    if (!Files.isExecutable(BROWSER) || !Files.isExecutable(DRIVER)) {
      throw new IllegalStateException("no headless browser at " + BROWSER + " and " + DRIVER
          + ": run scripts/services.sh browser (apt-get install chromium chromium-driver)");
    }
    try {
      Path profile = Files.createTempDirectory("consolidb-chromium");
      ChromeOptions options = new ChromeOptions();
      options.setBinary(BROWSER.toFile());
      options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
          "--window-size=1280,900", "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
          "--disable-extensions");
      LoggingPreferences logs = new LoggingPreferences();
      logs.enable(LogType.BROWSER, Level.ALL);
      options.setCapability("goog:loggingPrefs", logs);
      Files.createDirectories(Path.of("target"));
      ChromeDriverService service = new ChromeDriverService.Builder()
          .usingDriverExecutable(DRIVER.toFile())
          .usingAnyFreePort()
          .withLogOutput(new FileOutputStream("target/chromedriver.log"))
          .build();
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20)).scriptTimeout(Duration.ofSeconds(20));
      return new HeadlessChromium(driver, profile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public ChromeDriver driver() {
    return driver;
  }

  /** The browser console since the last call (level and text). */
  public List<String> console() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .map(entry -> entry.getLevel() + " " + entry.getMessage()).toList();
  }

  /** Saves what the page shows as {@code target/<name>.png}. */
  public Path screenshot(String name) {
    try {
      File shot = driver.getScreenshotAs(OutputType.FILE);
      Path png = Path.of("target", name + ".png");
      Files.copy(shot.toPath(), png, StandardCopyOption.REPLACE_EXISTING);
      return png;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    driver.quit();
    try (var files = Files.walk(profile)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary profile left behind is harmless
    }
  }
}
