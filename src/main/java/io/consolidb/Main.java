package io.consolidb;

import io.consolidb.cli.BackupCommand;
import io.consolidb.cli.CheckCommand;
import io.consolidb.cli.MigrateCommand;
import io.consolidb.cli.RunCommand;
import io.consolidb.cli.SeedCommand;
import io.consolidb.cli.TokenCommand;
import io.consolidb.cli.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The consolidb command line: {@code run} (the default) starts a node; {@code check} validates the
 * configuration and reaches PostgreSQL and Redis; {@code migrate} and {@code seed} manage the schema
 * and demo data; {@code backup} takes and reports backups through pgBackRest; {@code train} is the
 * training run of the image's class-data archive.
 */
@Command(name = "consolidb", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "The PostgreSQL access layer for Vert.x services.",
    subcommands = {RunCommand.class, CheckCommand.class, MigrateCommand.class, SeedCommand.class,
        TokenCommand.class, BackupCommand.class, TrainCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    // Vert.x, Netty and Hazelcast log through SLF4J (logback) like the rest of the node.
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    System.setProperty("hazelcast.logging.type", "slf4j");
    CommandLine cli = new CommandLine(new Main());
    if (args.length == 0 || args[0].startsWith("-") && !isHelpOrVersion(args[0])) {
      // `consolidb` and `consolidb -cluster` mean `consolidb run …`, like the Vert.x launcher.
      String[] withRun = new String[args.length + 1];
      withRun[0] = "run";
      System.arraycopy(args, 0, withRun, 1, args.length);
      args = withRun;
    }
    int code = cli.execute(args);
    if (code != 0 || !"run".equals(args[0])) {
      System.exit(code);
    }
  }

  private static boolean isHelpOrVersion(String arg) {
    return arg.equals("-h") || arg.equals("--help") || arg.equals("-V") || arg.equals("--version");
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** The version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"consolidb " + (version == null ? "dev" : version)};
    }
  }
}
