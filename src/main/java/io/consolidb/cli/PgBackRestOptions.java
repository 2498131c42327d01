package io.consolidb.cli;

import io.consolidb.backup.PgBackRest;
import picocli.CommandLine.Option;

/** How the backup commands reach pgBackRest; each option also reads the environment. */
final class PgBackRestOptions {

  @Option(names = "--stanza", paramLabel = "NAME", defaultValue = "${env:PGBACKREST_STANZA:-consolidb}",
      description = "pgBackRest stanza (PGBACKREST_STANZA, default ${DEFAULT-VALUE})")
  String stanza;

  @Option(names = "--pgbackrest-config", paramLabel = "FILE", defaultValue = "${env:PGBACKREST_CONFIG}",
      description = "pgBackRest configuration file (PGBACKREST_CONFIG; default pgBackRest's own)")
  String config;

  @Option(names = "--pgbackrest", paramLabel = "PROGRAM", defaultValue = "${env:BACKUP_PGBACKREST:-pgbackrest}",
      description = "the pgbackrest program (BACKUP_PGBACKREST, default ${DEFAULT-VALUE})")
  String program;

  @Option(names = "--run-as", paramLabel = "USER", defaultValue = "${env:BACKUP_RUN_AS}",
      description = "run pgbackrest as this OS user through runuser, e.g. postgres when invoked as root (BACKUP_RUN_AS)")
  String runAs;

  PgBackRest pgBackRest() {
    return new PgBackRest(program, config, stanza, runAs);
  }
}
