import PuntosRewards
import PuntosRuntime

FunctionMain.run(Rewards())
