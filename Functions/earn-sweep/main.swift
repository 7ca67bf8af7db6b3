import PuntosLedger
import PuntosRuntime

FunctionMain.run(EarnSweep())
