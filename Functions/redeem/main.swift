import PuntosLedger
import PuntosRuntime

FunctionMain.run(Redeem())
