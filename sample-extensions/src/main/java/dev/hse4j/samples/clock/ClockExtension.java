package dev.hse4j.samples.clock;

import dev.hse4j.api.Completion;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.TerminateMode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /ext/clock?ms=M}: returns PENDING and answers M ms later from one timer thread, through an
 * asynchronous write and doneWithSession. Thousands may be pending at once: no thread waits per request.
 */
public final class ClockExtension implements HttpExtension {

    private volatile ScheduledExecutorService timer;

    @Override
    public ExtensionVersion getExtensionVersion() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "clock-extension-timer");
            t.setDaemon(true);
            return t;
        });
        return ExtensionVersion.of("Clock: answers after ?ms=M milliseconds, without holding a thread");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        long ms;
        try {
            String q = ecb.queryString();
            ms = q.startsWith("ms=") ? Long.parseLong(q.substring(3).split("&")[0]) : 0;
        } catch (NumberFormatException e) {
            ms = -1;
        }
        if (ms < 0 || ms > 600_000) {
            byte[] body = "use ?ms=M with 0 <= M <= 600000\n".getBytes(StandardCharsets.US_ASCII);
            ecb.sendResponseHeader("400 Bad Request", "Content-Type: text/plain\r\nContent-Length: " + body.length + "\r\n");
            ecb.writeClient(body);
            return HseStatus.SUCCESS;
        }
        long started = System.nanoTime();
        ecb.ioCompletion(ClockExtension::done, null);
        timer.schedule(() -> answer(ecb, started), ms, TimeUnit.MILLISECONDS);
        return HseStatus.PENDING;
    }

    private static void answer(ExtensionControlBlock ecb, long started) {
        long waited = (System.nanoTime() - started) / 1_000_000;
        byte[] body = ("tick " + Instant.now() + " after " + waited + " ms\n").getBytes(StandardCharsets.US_ASCII);
        try {
            ecb.sendResponseHeader("200 OK", "Content-Type: text/plain\r\nContent-Length: " + body.length + "\r\n");
            ecb.writeClientAsync(ByteBuffer.wrap(body));
        } catch (IsapiException e) {
            end(ecb, HseStatus.ERROR);
        }
    }

    private static void done(Completion c) {
        end(c.ecb(), c.isSuccess() ? HseStatus.SUCCESS_AND_KEEP_CONN : HseStatus.ERROR);
    }

    private static void end(ExtensionControlBlock ecb, HseStatus status) {
        try {
            ecb.doneWithSession(status);
        } catch (IsapiException ignored) {
            // the session already ended (timeout)
        }
    }

    @Override
    public boolean terminateExtension(TerminateMode mode) {
        ScheduledExecutorService t = timer;
        if (t != null) {
            t.shutdownNow();
        }
        return true;
    }
}
