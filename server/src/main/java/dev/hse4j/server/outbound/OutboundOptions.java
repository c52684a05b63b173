package dev.hse4j.server.outbound;

import dev.hse4j.server.config.OutboundConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Option;

/** The command-line flags of outbound connections and extension settings (a picocli mixin of Main). */
public final class OutboundOptions {

    @Option(names = "--outbound-allow", paramLabel = "DEST", description = "A destination every extension may "
            + "connect to: host:port, [v6]:port, or CIDR[:port] (repeatable; default: none).")
    List<String> allow = new ArrayList<>();

    @Option(names = "--outbound-allow-ext", paramLabel = "NAME=DEST", description = "A destination one extension "
            + "(by mount name) may connect to, as --outbound-allow (repeatable).")
    List<String> allowExt = new ArrayList<>();

    @Option(names = "--outbound-connect-timeout-ms", description = "How long an outbound connect may take "
            + "(default: ${DEFAULT-VALUE}).")
    long connectTimeoutMs = OutboundConfig.DEFAULT_CONNECT_TIMEOUT.toMillis();

    @Option(names = "--outbound-no-fast-open", description = "Never use TCP Fast Open: connect, then send.")
    boolean noFastOpen;

    @Option(names = "--outbound-completions-on-workers", description = "Run every outbound completion on the "
            + "server's worker threads, never on the I/O thread that found it (for extensions that block in "
            + "completions; costs two thread hand-offs per operation).")
    boolean completionsOnWorkers;

    @Option(names = "--ext-setting", paramLabel = "NAME.KEY=VALUE", description = "A setting for one extension, "
            + "e.g. proxy.upstream=127.0.0.1:8081 (repeatable).")
    List<String> settings = new ArrayList<>();

    /**
     * @return the configuration the flags describe
     * @throws IllegalArgumentException for a malformed flag (the allow-list entries are checked too)
     */
    public OutboundConfig toConfig() {
        OutboundConfig c = OutboundConfig.defaults().withConnectTimeout(Duration.ofMillis(connectTimeoutMs))
                .withAllow(allow.toArray(String[]::new)).withFastOpen(!noFastOpen).withCompletionsOnIoThreads(!completionsOnWorkers);
        for (String a : allowExt) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--outbound-allow-ext takes NAME=DEST, not '" + a + "'");
            }
            c = c.withAllowFor(a.substring(0, eq), a.substring(eq + 1));
        }
        for (String s : settings) {
            int eq = s.indexOf('=');
            int dot = s.indexOf('.');
            if (dot <= 0 || eq < dot + 2) {
                throw new IllegalArgumentException("--ext-setting takes NAME.KEY=VALUE, not '" + s + "'");
            }
            c = c.withSetting(s.substring(0, dot), s.substring(dot + 1, eq), s.substring(eq + 1));
        }
        AllowList.parse(c.allow()); // a bad entry stops start-up with one clear line
        c.allowPerExtension().values().forEach(AllowList::parse);
        return c;
    }
}
