package io.accessplan.cli;

import io.accessplan.collector.sim.CalibrationProfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a calibrated simulator profile for the commands that take {@code --profile}. */
final class ProfileOption {
    private ProfileOption() {
    }

    /** The profile in a file; a missing, unreadable or bad file is bad input in one line. */
    static CalibrationProfile load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("No profile file: " + file);
        }
        try {
            return CalibrationProfile.load(file);
        } catch (IOException e) {
            throw new BadInputException("Cannot read profile " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(Main.firstLine(e.getMessage()));
        }
    }
}
