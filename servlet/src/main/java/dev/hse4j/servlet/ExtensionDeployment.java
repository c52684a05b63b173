package dev.hse4j.servlet;

import dev.hse4j.server.deploy.Deployer;
import dev.hse4j.server.deploy.DirectoryWatcher;
import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.deploy.JarLoader;
import dev.hse4j.server.deploy.Retirement;
import dev.hse4j.server.deploy.ShadowDirectory;

import java.io.IOException;
import java.nio.file.Files;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servlet's extensions: the same loader, registry, deployer, directory watcher, retirement (drain, unload,
 * leak watch) and shadow directory as hse4j's own server ({@code Hse4jServer}), put together from
 * {@link ServletSettings}. Start once, close once (servlet init / destroy).
 */
final class ExtensionDeployment implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ExtensionDeployment.class);

    private final ServletSettings settings;
    private final ShadowDirectory shadow;
    private final Retirement retirement;
    private final ExtensionRegistry registry;
    private final Deployer deployer;
    private final DirectoryWatcher watcher;

    ExtensionDeployment(ServletSettings settings) {
        this.settings = settings;
        shadow = new ShadowDirectory(settings.workDir().resolve("shadow"));
        retirement = new Retirement(settings.drainTimeout());
        registry = new ExtensionRegistry(retirement);
        JarLoader loader = new JarLoader(shadow.dir(), settings.readAheadBytes(), settings.sessionTimeout(),
                retirement.leakWatch(), settings.maxConcurrentRequests(), settings.maxRequestBody());
        deployer = new Deployer(settings.extensionsDir(), loader, registry);
        watcher = settings.watch() ? new DirectoryWatcher(deployer, settings.scanInterval()) : null;
    }

    /**
     * Claims the shadow directory and deploys what the extensions directory holds; returns once loaded.
     *
     * @throws IOException if the work directory cannot be prepared
     */
    void start() throws IOException {
        if (!Files.isDirectory(settings.extensionsDir())) {
            // Not fatal (the watcher reports it and picks the directory up once it exists), but say so plainly.
            LOG.warn("hse4j: the extensions directory {} does not exist (yet); no extension is served",
                    settings.extensionsDir().toAbsolutePath());
        }
        shadow.claim();
        if (watcher != null) {
            watcher.start();
        } else {
            deployer.deployAll();
        }
        registry.startupDone();
        LOG.info("hse4j servlet: {} extension(s) serving from {}", registry.active().size(),
                settings.extensionsDir().toAbsolutePath());
    }

    ExtensionRegistry registry() {
        return registry;
    }

    Deployer deployer() {
        return deployer;
    }

    DirectoryWatcher watcher() {
        return watcher;
    }

    /** Stops watching, retires every extension (terminateExtension), deletes the shadow copies. */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        registry.retireAll();
        retirement.close();
        shadow.close();
    }
}
