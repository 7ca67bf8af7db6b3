import Foundation
import PuntosImport

// `puntos import …` runs this executable with the same arguments (see Runtime/puntos/Data/ImportCommand.swift).
exit(ImportCommand.main(Array(CommandLine.arguments.dropFirst())))
