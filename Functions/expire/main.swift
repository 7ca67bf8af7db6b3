import PuntosLedger
import PuntosRuntime

FunctionMain.run(Expire())
