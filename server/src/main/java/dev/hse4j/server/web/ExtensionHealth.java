package dev.hse4j.server.web;

import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.deploy.ExtensionRegistry;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The extensions' own health reports (HSE_REQ_REPORT_UNHEALTHY) as the node's readiness: whether the node
 * should stay in its load balancer's rotation, and why not.
 */
public final class ExtensionHealth {

    private final ExtensionRegistry registry;
    private final boolean unhealthyFailsReadiness;

    /**
     * @param registry the deployments
     * @param unhealthyFailsReadiness whether one unhealthy active extension makes the node not ready
     */
    public ExtensionHealth(ExtensionRegistry registry, boolean unhealthyFailsReadiness) {
        this.registry = registry;
        this.unhealthyFailsReadiness = unhealthyFailsReadiness;
    }

    /** @return the active extensions that reported themselves unhealthy, by name */
    public List<Deployment> unhealthy() {
        List<Deployment> out = new ArrayList<>();
        for (Deployment d : registry.active()) {
            if (d.unhealthy() != null) {
                out.add(d);
            }
        }
        out.sort(Comparator.comparing(Deployment::name));
        return out;
    }

    /** @return whether extensions' health reports keep the node in rotation */
    public boolean ready() {
        return !unhealthyFailsReadiness || unhealthy().isEmpty();
    }

    /** @return whether an unhealthy extension takes the node out of rotation */
    public boolean unhealthyFailsReadiness() {
        return unhealthyFailsReadiness;
    }

    /** @return {@code {"ready": ..., "unhealthyFailsReadiness": ..., "unhealthy": [names]}} */
    public ObjectNode json() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        List<Deployment> bad = unhealthy();
        n.put("ready", !unhealthyFailsReadiness || bad.isEmpty());
        n.put("unhealthyFailsReadiness", unhealthyFailsReadiness);
        bad.forEach(d -> n.withArray("unhealthy").add(d.name()));
        if (bad.isEmpty()) {
            n.putArray("unhealthy");
        }
        return n;
    }
}
