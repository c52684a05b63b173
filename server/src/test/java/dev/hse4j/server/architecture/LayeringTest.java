package dev.hse4j.server.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The server's packages form layers a reader can follow (connector → admission → PROXY → router → host):
 * no package depends on a package that depends back on it. Checked on the compiled classes.
 */
class LayeringTest {

    private static final JavaClasses SERVER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.hse4j.server");

    @Test
    void serverPackagesHaveNoCycles() {
        slices().matching("dev.hse4j.server.(*)..").should().beFreeOfCycles().check(SERVER);
    }
}
