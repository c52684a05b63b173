package dev.hse4j.server.strict;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What strict mode found: one report per extension and check (the first occurrence, with its stack),
 * and how often it happened since. Each first occurrence is logged once; the status page lists them all.
 */
public final class StrictReports {

    private static final Logger LOG = LoggerFactory.getLogger(StrictReports.class);

    /**
     * One finding.
     *
     * @param extension the mount name
     * @param check what was caught
     * @param message what happened, with the request it happened on
     * @param stack where in the extension (the offending call's stack, or the thread's)
     * @param firstAt when it was first seen
     * @param count how many times it was seen (the first included)
     */
    public record Report(String extension, Check check, String message, String stack, Instant firstAt, long count) {
    }

    private record Key(String extension, Check check) {
    }

    private static final class Entry {
        final String message;
        final String stack;
        final Instant firstAt = Instant.now();
        final AtomicLong count = new AtomicLong(1);

        Entry(String message, String stack) {
            this.message = message;
            this.stack = stack;
        }
    }

    private final Map<Key, Entry> reports = new ConcurrentHashMap<>();
    private final ObjectMapper json = new ObjectMapper();

    /**
     * Reports a finding; only the first per extension and check is kept and logged.
     *
     * @param extension the mount name
     * @param check what was caught
     * @param message what happened
     * @param stack where (see {@link Stacks})
     */
    public void report(String extension, Check check, String message, String stack) {
        Key k = new Key(extension, check);
        Entry e = reports.get(k);
        if (e != null) {
            e.count.incrementAndGet();
            return;
        }
        Entry created = new Entry(message, stack);
        if (reports.putIfAbsent(k, created) == null) {
            LOG.warn("strict: extension {}: {}: {}\n{}", extension, check.title(), message, stack);
        } else {
            reports.get(k).count.incrementAndGet();
        }
    }

    /** @return every report, by extension then check */
    public List<Report> reports() {
        List<Report> out = new ArrayList<>();
        reports.forEach((k, e) -> out.add(new Report(k.extension(), k.check(), e.message, e.stack, e.firstAt, e.count.get())));
        out.sort(Comparator.comparing(Report::extension).thenComparing(Report::check));
        return out;
    }

    /**
     * @param enabled whether strict mode is on for every extension
     * @param completionThresholdMs the completion threshold
     * @return the {@code strict} section of the status document
     */
    public ObjectNode json(boolean enabled, long completionThresholdMs) {
        ObjectNode root = json.createObjectNode();
        ObjectNode s = root.putObject("strict");
        s.put("enabled", enabled);
        s.put("completionThresholdMs", completionThresholdMs);
        ArrayNode list = s.putArray("reports");
        for (Report r : reports()) {
            ObjectNode n = list.addObject();
            n.put("extension", r.extension());
            n.put("check", r.check().name());
            n.put("title", r.check().title());
            n.put("message", r.message());
            n.put("stack", r.stack());
            n.put("firstAt", r.firstAt().toString());
            n.put("count", r.count());
        }
        return root;
    }
}
