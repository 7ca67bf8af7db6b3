import PuntosLedger
import PuntosRuntime

FunctionMain.run(Configure())
