import PuntosLedger
import PuntosRuntime

FunctionMain.run(Balance())
