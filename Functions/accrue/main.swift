import PuntosLedger
import PuntosRuntime

FunctionMain.run(Accrue())
